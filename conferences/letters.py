"""Letters to the other authority: rendered from the administrators' templates, kept as sent,
and printable as a PDF. These go to the OLA, who knows the family, so they name the children;
the system's own emails never do."""

from dataclasses import dataclass
from datetime import date

from django.template import engines
from fpdf import FPDF

from deadlines.calendar import LONDON

from .letter_defaults import DEFAULTS, DOCUMENT_LIST
from .models import LetterKind, LetterTemplate, TransferInRequest


@dataclass(frozen=True)
class ChildLine:
    full_name: str
    date_of_birth: date
    reference: str


@dataclass(frozen=True)
class Letter:
    kind: str
    subject: str
    body: str

    @property
    def title(self) -> str:
        return LetterKind(self.kind).label


def _names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def letter_context(request: TransferInRequest, **extra) -> dict:
    children = [
        ChildLine(
            full_name=child.full_name,
            date_of_birth=child.date_of_birth,
            reference=child.case.reference if child.case_id else "",
        )
        for child in request.children.select_related("case")
    ]
    several = len(children) > 1
    conference_at = request.conference_at.astimezone(LONDON) if request.conference_at else None
    return {
        "reference": request.reference,
        "requesting_authority": request.requesting_authority,
        "social_worker": request.ola_social_worker,
        "children": children,
        "children_names": _names([c.full_name for c in children]),
        "child_or_children": "children" if several else "child",
        "several": several,
        "moved_in_on": request.moved_in_on,
        "tentative_date": request.tentative_date,
        "conference_at": conference_at,
        "reasons": request.decision_reasons,
        "outstanding": request.outstanding_note,
        "documents": DOCUMENT_LIST,
        "cca_team": request.cca_team.name,
        "signed": str(request.decided_by) if request.decided_by_id else "",
        **extra,
    }


def _render(source: str, context: dict) -> str:
    template = engines["django"].from_string(
        "{% autoescape off %}" + source + "{% endautoescape %}"
    )
    return template.render(context).strip() + "\n"


def letter_template(kind: str) -> tuple[str, str]:
    row = LetterTemplate.objects.filter(kind=kind).first()
    if row is not None:
        return row.subject, row.body
    return DEFAULTS[kind]["subject"], DEFAULTS[kind]["body"]


def render_letter(request: TransferInRequest, kind: str, **extra) -> Letter:
    """The letter of `kind` for this request, from the administrators' current template."""
    subject, body = letter_template(kind)
    context = letter_context(request, **extra)
    return Letter(kind=kind, subject=_render(subject, context).strip(), body=_render(body, context))


# The text kept when each letter was sent, and the state in which it exists.
SENT_TEXT = {
    LetterKind.ACKNOWLEDGEMENT: "acknowledgement_text",
    LetterKind.PROTOCOL: "protocol_email_text",
    LetterKind.ACCEPTED: "response_text",
    LetterKind.DECLINED: "response_text",
    LetterKind.OUTSTANDING: "outstanding_letter_text",
}


def stored_letter(request: TransferInRequest, kind: str) -> Letter | None:
    """The letter as it was sent (its first line the subject), or None if it was not."""
    text = getattr(request, SENT_TEXT[kind])
    if not text:
        return None
    if kind in (LetterKind.ACCEPTED, LetterKind.DECLINED) and request.decision != (
        "accept" if kind == LetterKind.ACCEPTED else "decline"
    ):
        return None
    subject, _, body = text.partition("\n\n")
    return Letter(kind=kind, subject=subject.removeprefix("Subject: "), body=body)


def letter_as_text(letter: Letter) -> str:
    return f"Subject: {letter.subject}\n\n{letter.body}"


# The PDF's built-in fonts are Latin-1: typographic punctuation is mapped to plain ASCII.
_PLAIN = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)


def _latin1(text: str) -> str:
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def letter_pdf(letter: Letter, *, reference: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(letter.subject))
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 12)
    pdf.multi_cell(0, 7, _latin1(letter.subject), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 6, _latin1(letter.body), new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(-15)
    pdf.set_font("Helvetica", "", 8)
    pdf.cell(0, 5, _latin1(f"Reference {reference}. OFFICIAL-SENSITIVE"), align="C")
    return bytes(pdf.output())
