"""Issue 13: every form of every app, fuzzed with hypothesis.

The forms are found, not listed: every `django.forms.Form` or `ModelForm` subclass defined in an
app's `forms.py`. Each is given hostile values for every field (NUL bytes, lone surrogates, huge
numbers, impossible dates, very long text, and now and then a valid choice): validation never
raises, never writes to the database, and never lets a NUL byte through into cleaned data
(PostgreSQL refuses it: a 500 at save time)."""

import importlib
import inspect
from types import SimpleNamespace

import pytest
from django import forms
from django.apps import apps
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.models import MeetingKind
from conferences.forms import StepForm
from conferences.tests.conftest import _private_media, conf, receive  # noqa: F401
from escalations.models import Outcome
from people.models import Service, Team, User
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory
from registers.selectors import Week

pytestmark = pytest.mark.django_db


def _project_forms() -> list[type[forms.BaseForm]]:
    found = []
    for app in apps.get_app_configs():
        if "site-packages" in app.path:
            continue
        try:
            module = importlib.import_module(f"{app.name}.forms")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


FORMS = _project_forms()


def test_the_forms_of_every_app_are_found():
    apps_with_forms = {form.__module__.split(".")[0] for form in FORMS}
    assert {"cases", "transfers", "casework", "conferences", "escalations", "registers"} <= (
        apps_with_forms
    )
    assert len(FORMS) >= 60


def _kwargs(form_class, tir) -> dict:
    """What each form's constructor asks for, by name; an unknown required argument fails."""
    users = User.objects.all()
    planned = SimpleNamespace(
        kind=MeetingKind.values[0],
        attendees=SimpleNamespace(all=lambda: []),
        other_attendees="",
        notes="",
        advising_social_worker=None,
    )
    known = {
        "teams": Team.objects.all(),
        "workers": users,
        "supervisors": users,
        "managers": users,
        "colleagues": users,
        "advisers": users,
        "invitable": users,
        "kind": MeetingKind.values[0],
        "meeting": planned,
        "label": "Note",
        "required_message": "Enter a note",
        "submit": "Save",
        "keep_label": "Keep it with me",
        "outcomes": Outcome.values,
        "current": Week.containing(timezone.now()),
        "request": RequestFactory().post("/accounts/login/"),
    }
    kwargs = {}
    for name, parameter in inspect.signature(form_class.__init__).parameters.items():
        if name == "self" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if name in known and parameter.default is parameter.empty:
            kwargs[name] = known[name]
        elif parameter.default is parameter.empty:
            pytest.fail(f"{form_class.__name__} needs {name!r}: teach _kwargs about it")
    if issubclass(form_class, StepForm):  # a conference step: the request it is about
        kwargs["tir"] = tir
    if issubclass(form_class, AuthenticationForm):  # axes needs the request
        kwargs["request"] = known["request"]
    if issubclass(form_class, SetPasswordForm):  # the user's own password change
        kwargs["user"] = User.objects.first()
    return kwargs


HOSTILE_TEXT = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40),  # surrogates too
    st.text(max_size=20).map(lambda s: f"{s}\x00{s}"),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        ["0", "-1", "99999999999999999999", "1e309", "nan", "2026-02-31", "0000-00-00", "31"]
    ),
    st.integers(min_value=1000, max_value=20000).map(lambda n: "x" * n),
)


def _values(field: forms.Field):
    choices = [
        str(value)
        for value, _ in getattr(field, "choices", []) or []
        if not isinstance(_, (list, tuple))
    ]
    return st.one_of(HOSTILE_TEXT, st.sampled_from(choices)) if choices else HOSTILE_TEXT


def _payload(form, draw) -> dict:
    data = {}
    for bound in form:
        widget = bound.field.widget
        names = getattr(widget, "widgets_names", None)
        if names:
            for suffix in names:
                data[f"{bound.html_name}{suffix}"] = draw(HOSTILE_TEXT)
        elif isinstance(bound.field, forms.MultipleChoiceField):
            data[bound.html_name] = draw(st.lists(_values(bound.field), max_size=3))
        else:
            data[bound.html_name] = draw(_values(bound.field))
    return data


@pytest.fixture
def tir(conf):  # noqa: F811
    """A conference request as received: its children and its new address."""
    return receive(conf, children=2)


@pytest.fixture
def people(db):
    manager = UserFactory(username="fuzz.tm", roles=[Role.TEAM_MANAGER])
    team = TeamFactory(name="Fuzz CIN", service=Service.CHILDREN_IN_NEED, manager=manager)
    UserFactory(username="fuzz.sw", roles=[Role.SOCIAL_WORKER], teams=[team])
    return team


def _nul_in(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple)):
        return any(_nul_in(v) for v in value)
    return False


def _param(form_class):
    return pytest.param(form_class, id=f"{form_class.__module__}.{form_class.__name__}")


def test_a_very_long_username_is_refused_in_words_not_a_500(db):
    client = Client(raise_request_exception=False)
    response = client.post(reverse("login"), {"username": "x" * 1000, "password": "secret"})
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()


@pytest.mark.parametrize("form_class", [_param(f) for f in FORMS])
def test_hostile_input_never_raises_never_writes_and_never_keeps_a_nul(form_class, people, tir):
    kwargs = _kwargs(form_class, tir)

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
        derandomize=True,  # the same examples every run: a failure is reproducible
    )
    @given(st.data())
    def check(data):
        data_dict = _payload(form_class(**kwargs), data.draw)
        form = form_class(data=data_dict, files={}, **kwargs)
        with CaptureQueriesContext(connection) as queries:
            valid = form.is_valid()
        writes = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            # The sign-in form counts failed attempts (django-axes): that write is the lockout;
            # and a failed sign-in is in the audit trail.
            and '"axes_' not in q["sql"]
            and "user.login_failed" not in q["sql"]
        ]
        assert not writes, writes
        if valid:
            kept = {k: v for k, v in form.cleaned_data.items() if _nul_in(v)}
            assert not kept, f"a NUL byte passed validation in {sorted(kept)}"

    check()
