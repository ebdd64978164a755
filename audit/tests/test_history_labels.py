"""The case history says what changed in people's words, never a field name."""

import pytest
from django.contrib.contenttypes.models import ContentType

from audit.models import AuditEvent
from audit.templatetags.audit_tags import changed_fields
from cases.models import Case

pytestmark = pytest.mark.django_db


def _event(changes) -> AuditEvent:
    # Unsaved: the filter reads only the subject type and the changes.
    return AuditEvent(subject_type=ContentType.objects.get_for_model(Case), changes=changes)


def test_field_names_become_labels_and_dates_london_time():
    lines = changed_fields(
        _event(
            {
                "ten_day_discussion_on": [None, "2026-03-04"],
                "new_plan_on": {"before": None, "after": "2026-03-05"},
                "due_at": ["2026-07-01T16:00:00+00:00", "2026-07-02T16:00:00+00:00"],
                "safety_plan_in_force": [True, False],
                "allocated_worker": [3, 5],
                "kind": ["a", "b"],
            }
        )
    )
    assert lines == [
        "10-day discussion: not set → 4 Mar 2026",
        "New plan agreed: not set → 5 Mar 2026",
        "Due date: 1 Jul 2026 17:00 → 2 Jul 2026 17:00",
        "Safety plan in force: yes → no",
        "Allocated worker",
        "Kind",
    ]
    assert not any("_" in line for line in lines)


def test_the_case_page_shows_the_labels(client, make_user):
    from cases.tests.factories import CaseFactory
    from people.roles import Role

    case = CaseFactory()
    user = make_user(roles=[Role.ASSISTANT_DIRECTOR])
    AuditEvent.objects.create(
        at="2026-03-01T10:00:00Z",
        action="case.update",
        subject_type=ContentType.objects.get_for_model(Case),
        subject_id=str(case.pk),
        case=case,
        changes={"last_closed_to_social_care_on": [None, "2026-02-27"]},
    )
    client.force_login(user)
    content = client.get(case.get_absolute_url()).content.decode()
    assert "Changed: Last closed to social care on: not set → 27 Feb 2026" in content
    assert "last_closed_to_social_care_on" not in content
