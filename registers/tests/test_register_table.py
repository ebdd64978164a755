from datetime import UTC, date, datetime

from django.template import Context, Template

from registers.selectors import RegisterRow
from registers.templatetags.register_table import day, moment

ROW = dict(
    transfer_id=7,
    case_id=3,
    from_team_id=1,
    to_team_id=None,
    case_reference="CT-0003",
    ics_number="",
    first_name="Zoë-Anne",
    last_name="O'Connor",
    date_of_birth=date(2015, 3, 9),
    social_worker="",
    deputy_team_managers="Dee Deputy",
    team_manager="Nora <North>",
    kind="team_move",
    kind_label="Between teams",
    from_team_name="CIN North",
    to_team_name="",
    requested_at=datetime(2026, 7, 1, 23, 30, tzinfo=UTC),
    decided_at=None,
    anticipated_on=None,
    next_due_at=datetime(2026, 7, 1, 23, 30, tzinfo=UTC),
    legal_proceedings="",
    stage="withdrawn",
    stage_label="Withdrawn",
    state_label="Withdrawn by the team",
    closed_at=datetime(2026, 12, 1, 9, 5, tzinfo=UTC),
    outcome="Withdrawn: family moved",
)


def test_dates_are_shown_as_the_date_filter_would_in_london_time():
    summer = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July in London (BST)
    assert day(summer) == "2 Jul 2026"
    assert moment(summer) == "Thu 2 Jul 2026 00:30"
    winter = datetime(2026, 12, 1, 9, 5, tzinfo=UTC)
    assert moment(winter) == "Tue 1 Dec 2026 09:05"
    assert day(date(2015, 3, 9)) == "9 Mar 2015"
    assert day(None) == moment(None) == "\u2013"


def render(row, **flags) -> str:
    template = Template("{% load register_table %}{% register_cells row printing historic %}")
    return template.render(Context({"row": row, **flags}))


def test_a_row_is_escaped_and_says_none_where_there_is_nothing():
    html = render(RegisterRow(**ROW))
    assert "Zoë-Anne O&#x27;Connor" in html and "Nora &lt;North&gt;" in html
    assert "SW: none" in html and "DTM: Dee Deputy" in html
    assert '<strong class="govuk-tag govuk-tag--grey">Withdrawn</strong>' in html
    assert 'href="/transfers/7/"' in html
    assert html.count("<td ") == 13 and "Thu 2 Jul 2026 00:30" in html


def test_the_historic_and_printed_rows_have_their_own_cells():
    html = render(RegisterRow(**ROW), historic=True, printing=True)
    assert html.count("<td ") == 14
    assert "1 Dec 2026" in html and "Withdrawn: family moved" in html
    assert "Zoë-Anne O&#x27;Connor (CT-0003)" in html and "<a " not in html
    assert "govuk-tag" not in html and "Withdrawn by the team" in html
