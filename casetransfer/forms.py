import html
from datetime import date

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class ManyOptionsSelect(forms.Select):
    """Django's Select, its options written out here: Django renders a template for each
    option, about 0.06 ms apiece, so a filter of a county's 150 teams took 10 ms a page
    (issue 14). The same markup, from the choices as Django's `optgroups` reads them (the
    first matching option selected), without building each option's context."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        if self.allow_multiple_selected:
            widget["attrs"]["multiple"] = True
        wanted, has_selected = set(widget["value"]), False
        parts = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for option_value, option_label in self.choices:
            option_value = "" if option_value is None else option_value  # as Django's optgroups
            grouped = isinstance(option_label, (list, tuple))
            if grouped:
                parts.append(format_html('<optgroup label="{}">', option_value))
            for value_, label in option_label if grouped else [(option_value, option_label)]:
                value_ = str(value_)
                selected = (not has_selected or self.allow_multiple_selected) and value_ in wanted
                has_selected |= selected
                marked = " selected" if selected else ""
                value_, label = _escaped(value_), _escaped(label)
                parts.append(f'<option value="{value_}"{marked}>{label}</option>')
            if grouped:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("\n".join(parts))  # noqa: S308 -- every part escaped


def _escaped(text) -> str:
    """format_html's escaping of one value (conditional_escape: HTML already safe is kept), by
    the standard library's escape that Django's calls, without Django's wrappers: a county's
    150 teams cost 8,000 function calls a page through format_html (issue 14)."""
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text))


# crispy-forms-gds styles a widget by its class name: "select" becomes govuk-select, and only a
# widget named "Select" with an error is marked as in error. This one answers to that name.
ManyOptionsSelect.__name__ = "Select"


class NamedChoiceIterator(ModelChoiceIterator):
    """The choices of a model whose label is its name (`__str__`), read as (pk, name) pairs
    rather than model instances: a filter of a county's 150 teams (issue 14)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class NamedModelChoiceField(forms.ModelChoiceField):
    """A filter by team: chosen by primary key and cleaned to the model, as ModelChoiceField,
    its options written from the names alone (NamedChoiceIterator, ManyOptionsSelect)."""

    iterator = NamedChoiceIterator
    widget = ManyOptionsSelect


def offer_teams(field: forms.ModelChoiceField, teams, choices=None) -> None:
    """A team filter's options: the teams a chosen one is checked against, and their (id, name)
    in the order offered when already read (people.selectors.team_filter_for); else the field
    reads them from `teams`."""
    field.queryset = teams
    if choices is not None:
        field.choices = [("", field.empty_label), *choices]


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is inactive. Ask your system administrator.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("username", field_width=Fluid.ONE_HALF),
            Field.text("password", field_width=Fluid.ONE_HALF),
            Button("login", "Sign in"),
        )

    def clean_username(self):
        # Django sets the username's max_length after the field is built, so nothing checks it;
        # an over-long one would reach the login-attempt log (django-axes) and fail there.
        username = self.cleaned_data.get("username") or ""
        if len(username) > (self.username_field.max_length or 150):
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return username


# The shared form layer: fields that speak the GOV.UK Design System's error message patterns.
# Every app's forms build their questions from these, so the wording is the same everywhere.

UNREADABLE = "\ufffd"  # what Django puts in place of bytes that are not UTF-8


def _subject(label: str, required_message: str = "") -> str:
    """What the error messages call the answer: "Enter the concerns" gives "The concerns"."""
    if required_message.startswith("Enter "):
        rest = required_message.removeprefix("Enter ")
        return rest[0].upper() + rest[1:]
    label = str(label).removesuffix(" (optional)")
    return "Your answer" if label.endswith("?") else label


class TextField(forms.CharField):
    """Text with a limit the person can see (GOV.UK character count), never cut silently.

    No `maxlength` attribute: a long paste is kept and the error says by how much it is over.
    Bytes that are not UTF-8 are refused rather than stored as U+FFFD."""

    def __init__(self, *, subject: str = "", **kwargs):
        kwargs.setdefault("max_length", 5000)
        super().__init__(**kwargs)
        self.subject = subject or _subject(
            self.label or "", self.error_messages.get("required", "")
        )
        self.error_messages["max_length"] = (
            f"{self.subject} must be {self.max_length:,} characters or fewer"
        )

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        if isinstance(widget, forms.Textarea):
            # GOV.UK Frontend's character count finds its textarea by this class;
            # templates/gds/field.html adds the count's message.
            attrs["class"] = "govuk-js-character-count"
            attrs.setdefault("aria-describedby", "")
        return attrs

    def validate(self, value):
        super().validate(value)
        if UNREADABLE in value:
            raise ValidationError(
                f"{self.subject} has characters that could not be read. Type it in again",
                code="unreadable",
            )


def text_area(
    label: str,
    required_message: str = "",
    *,
    required: bool = True,
    help_text: str = "",
    max_length: int = 5000,
    rows: int = 4,
) -> TextField:
    return TextField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message or f"Enter the {str(label).lower()}"},
    )


def text_line(
    label: str,
    required_message: str = "",
    *,
    required: bool = True,
    help_text: str = "",
    max_length: int = 120,
) -> TextField:
    return TextField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=max_length,
        error_messages={"required": required_message or f"Enter the {str(label).lower()}"},
    )


def yes_no(label: str, required_message: str, help_text: str = "") -> forms.TypedChoiceField:
    """A yes/no question. GOV.UK: "Select yes if ..." in words that fit the question."""
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": required_message},
    )


DATE_PARTS = ("day", "month", "year")


class DateField(DateInputField):
    """GOV.UK date input with its error messages: "Date of the visit must include a month",
    "must be a real date", "Year must include 4 numbers"; never a Python message, never a 500
    on a huge number. The error is kept on the box it is about, for the error summary's link.

    `past`: the date must be today or earlier. `earliest`: no date before it."""

    def __init__(
        self,
        *,
        label: str,
        required: bool = True,
        help_text: str = "For example, 27 3 2026",
        past: bool = False,
        earliest: date | None = None,
        **kwargs,
    ):
        super().__init__(label=label, required=required, help_text=help_text, **kwargs)
        self.subject = label[0].upper() + label[1:]
        self.past, self.earliest = past, earliest
        self.error_messages["required"] = f"Enter the {label[0].lower() + label[1:]}"
        self.error_messages["incomplete"] = self.error_messages["required"]

    def _fail(self, message: str, boxes: list[int]):
        for index in boxes:
            self.fields[index].widget.errors.append(message)
        raise ValidationError(message, code="invalid_date")

    def clean(self, value):
        if self.disabled and not isinstance(value, list):
            value = self.widget.decompress(value)
        for field in self.fields:
            field.widget.errors = []
        parts = [str(v).strip() if v is not None else "" for v in (value or [None] * 3)][:3]
        parts += [""] * (3 - len(parts))
        if not any(parts):
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        missing = [i for i, part in enumerate(parts) if not part]
        if missing:
            names = " and ".join(DATE_PARTS[i] for i in missing)
            self._fail(f"{self.subject} must include a {names}", missing)
        not_numbers = [
            i for i, part in enumerate(parts) if not part.isascii() or not part.isdigit()
        ]
        if not_numbers:
            self._fail(f"{self.subject} must be a real date", not_numbers)
        if len(parts[2]) != 4:
            self._fail("Year must include 4 numbers", [2])
        day, month, year = (int(part) for part in parts)
        try:
            value = date(year, month, day)
        except (ValueError, OverflowError):
            self._fail(f"{self.subject} must be a real date", [1] if not 1 <= month <= 12 else [0])
        today = timezone.localdate()
        if self.past and value > today:
            self._fail(f"{self.subject} must be today or in the past", [0, 1, 2])
        if self.earliest and value < self.earliest:
            self._fail(
                f"{self.subject} must be the same as or after {self.earliest:%-d %B %Y}", [0, 1, 2]
            )
        self.validate(value)
        self.run_validators(value)
        return value


def date_field(label: str, *, required: bool = True, **kwargs) -> DateField:
    return DateField(label=label, required=required, **kwargs)


# --- a filter form written without templates ------------------------------------------------
# crispy-forms-gds renders a field through about a dozen template includes: 1.5 ms for the case
# search's three fields and two buttons, a tenth of a search by number (issue 14). A filter of
# text inputs and selects is written here as crispy-forms-gds writes it (gds/field.html,
# gds/layout/button.html), with the same ids, hints, error messages and aria attributes;
# casetransfer/tests/test_forms.py compares the two for each form in each state.


def govuk_field(field: forms.BoundField, *, width: str = "") -> str:
    """A text input or a select, with its label, hint and errors, in its GOV.UK form group.
    `width`: the input's width class (crispy-forms-gds's `field_width`)."""
    widget = field.field.widget
    base = "govuk-select" if isinstance(widget, forms.Select) else "govuk-input"
    classes = [base, *(c for c in widget.attrs.get("class", "").split() if c != base)]
    if width:
        classes.append(width)
    errors = field.errors
    hint_id = f"{field.auto_id}_hint"
    described = [hint_id] if field.help_text else []
    error_ids = [f"{field.auto_id}_{n}_error" for n in range(1, len(errors) + 1)]
    attrs = {"class": " ".join(classes)}
    if errors:
        attrs["class"] += " govuk-input--error"
        described += error_ids
    if described:
        attrs["aria-describedby"] = " ".join(described)
    # The label and hint are written as they are, as crispy-forms-gds's `|safe` writes them:
    # they are the form's own words, never what someone typed.
    parts = [
        f'<div id="div_{field.auto_id}" class="govuk-form-group'
        f'{" govuk-form-group--error" if errors else ""}">',
        f'<label for="{field.id_for_label}" class="govuk-label">{field.label}</label>',
    ]
    if field.help_text:
        parts.append(f'<div id="{hint_id}" class="govuk-hint">{field.help_text}</div>')
    for error_id, error in zip(error_ids, errors, strict=True):
        parts.append(
            f'<span id="{error_id}" class="govuk-error-message">'
            f'<span class="govuk-visually-hidden">Error:</span> {_escaped(error)}</span>'
        )
    parts += [field.as_widget(attrs=attrs), "</div>"]
    return "\n".join(parts)


def govuk_button(name: str, label: str, *, secondary: bool = False) -> str:
    """A button as crispy-forms-gds's Button writes it."""
    kind = " govuk-button--secondary" if secondary else ""
    return (
        f'<button name="{name}" class="govuk-button{kind}" id="id_{name}" '
        f'data-module="govuk-button">{label}</button>'
    )
