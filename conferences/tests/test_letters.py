"""The letters to the other authority: from the administrators' template, right for one child
and for several, kept as sent, printable as a PDF."""

import pytest
from django.urls import reverse

from conferences import services
from conferences.letters import letter_pdf, render_letter, stored_letter
from conferences.models import Decision, LetterKind, LetterTemplate

from .conftest import S, walk

pytestmark = pytest.mark.django_db

DOCUMENTS = [
    "current Child Protection Plan",
    "all previous Child Protection Case Conference minutes",
    "last Core Group meeting minutes",
    "risk assessment reflecting the impact of the family's move",
    "chronology of significant events",
    "viability assessment of carers (including confirmation of PNC and DBS checks)",
    "at least 48 hours before the Transfer In conference, an updated report",
    "having been shared with the family",
]


def test_the_default_templates_are_loaded_by_the_migration():
    assert set(LetterTemplate.objects.values_list("kind", flat=True)) == set(LetterKind.values)


def test_protocol_email_for_one_child(conf):
    request = walk(conf, S.AWAITING_BUNDLE, children=1)
    letter = stored_letter(request, LetterKind.PROTOCOL)
    assert "re Ava Okafor" in letter.body
    assert "the above child moving" in letter.body
    assert "children" not in letter.body.split("Documentation required")[0]
    for document in DOCUMENTS:
        assert document in letter.body
    assert "Local Core Group of professionals identified by yourselves" in letter.body
    assert "included on invitation list" in letter.body
    assert request.reference in letter.subject


def test_protocol_email_for_three_siblings(conf):
    request = walk(conf, S.AWAITING_BUNDLE, children=3)
    letter = stored_letter(request, LetterKind.PROTOCOL)
    assert "re Ava Okafor, Ben Okafor and Cara Okafor" in letter.body
    assert "the above children moving" in letter.body
    for child in request.children.select_related("case"):
        assert f"born {child.date_of_birth:%-d %B %Y} (our reference {child.case.reference})" in (
            letter.body
        )


@pytest.mark.parametrize("children", [1, 3])
@pytest.mark.parametrize("decision", [Decision.ACCEPT, Decision.DECLINE])
def test_the_response_to_the_ola(conf, children, decision):
    request = walk(conf, S.DISCUSSED, children=children)
    request = services.conference_decide(
        request=request, by=conf.qasm, decision=decision, reasons="Our reasons here."
    )
    kind = LetterKind.ACCEPTED if decision == Decision.ACCEPT else LetterKind.DECLINED
    letter = stored_letter(request, kind)
    assert "Our reasons here." in letter.body
    word = "children" if children > 1 else "child"
    assert f"responsibility for the {word} remains with" in letter.body.replace("\n", " ").lower()
    assert str(conf.qasm) in letter.body
    if decision == Decision.ACCEPT:
        assert "2 weeks before" in letter.body


def test_an_administrators_edit_is_used_from_then_on(conf):
    LetterTemplate.objects.filter(kind=LetterKind.PROTOCOL).update(
        subject="Our protocol {{ reference }}",
        body="Hello {{ social_worker }}, about {{ children_names }}.",
    )
    request = walk(conf, S.FAMILY_RECORDED)
    letter = render_letter(request, LetterKind.PROTOCOL)
    assert letter.subject == f"Our protocol {request.reference}"
    assert letter.body.strip() == "Hello Sam Holder, about Ava Okafor."


def test_the_letter_as_a_pdf(conf, client):
    request = walk(conf, S.AWAITING_BUNDLE, children=3)
    letter = stored_letter(request, LetterKind.PROTOCOL)
    pdf = letter_pdf(letter, reference=request.reference)
    assert pdf.startswith(b"%PDF-")
    client.force_login(conf.cca)
    response = client.get(reverse("conferences:letter_pdf", args=[request.pk, "protocol"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    page = client.get(reverse("conferences:letter", args=[request.pk, "protocol"]))
    assert page.status_code == 200
    assert "Ben Okafor" in page.content.decode()
    assert "Copy the text" in page.content.decode()
    client.force_login(conf.other_cca)
    assert (
        client.get(reverse("conferences:letter", args=[request.pk, "protocol"])).status_code == 404
    )


def test_a_letter_not_yet_sent_is_not_found(conf, client):
    request = walk(conf, S.ACKNOWLEDGED)
    client.force_login(conf.cca)
    assert (
        client.get(reverse("conferences:letter", args=[request.pk, "accepted"])).status_code == 404
    )
    assert (
        client.get(reverse("conferences:letter", args=[request.pk, "nonsense"])).status_code == 404
    )
