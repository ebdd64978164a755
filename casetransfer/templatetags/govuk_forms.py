"""The error summary's links, each to an element that exists on the page and takes focus.

crispy-forms-gds links every error to the field's `auto_id`; a radio, checkbox or date question
has no element with that id (its inputs are `id_<name>_1`..., the date boxes `id_<name>_0`...),
so a keyboard or screen-reader user following the link lands nowhere. GOV.UK: link to the first
radio or checkbox, or to the first date box (the one with the error, if known)."""

from django import forms, template

register = template.Library()


def _target(bound_field) -> str:
    widget = bound_field.field.widget
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        # crispy-forms-gds numbers options from 1: templates/gds/layout/radios.html
        return f"id_{bound_field.html_name}_1"
    if isinstance(widget, forms.MultiWidget):
        return f"{bound_field.auto_id}_0"
    return bound_field.auto_id or ""


def _subfield_errors(bound_field) -> list[tuple[str, str]]:
    """The date boxes' own errors (crispy-forms-gds keeps them on each box's widget)."""
    found = []
    for index, subfield in enumerate(getattr(bound_field.field, "fields", ())):
        for error in getattr(subfield.widget, "errors", []):
            found.append((f"{bound_field.auto_id}_{index}", str(error)))
    return found


@register.simple_tag
def error_summary_links(form) -> list[tuple[str, str]]:
    """(element id, message) for every error of the form, in the order of its fields."""
    visible = form.visible_fields()
    first = _target(visible[0]) if visible else ""
    links = [(first, str(error)) for error in form.non_field_errors()]
    for bound_field in form.hidden_fields():
        links.extend((first, str(error)) for error in bound_field.errors)
    for bound_field in visible:
        boxes = _subfield_errors(bound_field)
        seen = {message for _, message in boxes}
        links.extend(boxes)
        links.extend(
            (_target(bound_field), str(error))
            for error in bound_field.errors
            if str(error) not in seen
        )
    return links


@register.filter
def error_target(bound_field) -> str:
    return _target(bound_field)


@register.filter
def character_limit(bound_field):
    """The limit a textarea shows with GOV.UK's character count: the field's own `max_length`
    (casetransfer.forms.TextField); templates/gds/field.html prefers a layout's own limit."""
    if isinstance(bound_field.field.widget, forms.Textarea):
        return getattr(bound_field.field, "max_length", None) or ""
    return ""
