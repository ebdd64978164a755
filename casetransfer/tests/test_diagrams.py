"""The README's state machine diagrams are drawn from the code; stale ones fail here."""

import pytest
from django.core.management import CommandError, call_command

from cases.models import Case
from casetransfer.management.commands.fsm_diagrams import (
    END,
    START,
    diagram,
    readme_path,
    readme_with_diagrams,
    render,
)
from people.models import Team


def test_the_committed_readme_shows_the_current_state_machines():
    text = readme_path().read_text(encoding="utf-8")
    assert text == readme_with_diagrams(text), (
        "README.md's state machine diagrams are stale: run `python manage.py fsm_diagrams`."
    )


def test_check_passes_on_the_committed_readme():
    call_command("fsm_diagrams", "--check")


def test_every_machine_of_the_project_is_drawn():
    text = render()
    for heading in ("people.Team.capacity", "cases.Case.involvement", "cases.Case.allocation"):
        assert f"#### `{heading}`" in text
    assert text.count("stateDiagram-v2") == text.count("```mermaid")


def test_states_carry_their_labels_and_edges_their_transition_names():
    text = diagram(Case, Case._meta.get_field("allocation"))
    assert 'state "Unallocated, held by the team leader" as state_held_by_team_leader' in text
    assert "state_unallocated --> state_held_by_team_leader: hold_by_team_leader" in text
    assert "[*] --> state_unallocated" in text


def test_a_transition_from_several_states_draws_an_edge_from_each():
    text = diagram(Team, Team._meta.get_field("capacity"))
    assert "state_open --> state_protocol_suspended: suspend_protocol" in text
    assert "state_capacity_escalated --> state_protocol_suspended: suspend_protocol" in text


def test_wildcard_sources_are_expanded(monkeypatch):
    """'*' (any state) and '+' (any other state) become one edge per state."""
    field = Team._meta.get_field("capacity")

    class Fake:
        def __init__(self, name, source, target):
            self.name, self.source, self.target, self.on_error = name, source, target, None

    monkeypatch.setattr(
        type(field),
        "get_all_transitions",
        lambda self, model: [Fake("close_all", "*", "open"), Fake("move", "+", "open")],
    )
    text = diagram(Team, field)
    assert "state_protocol_suspended --> state_open: close_all" in text
    assert "state_open --> state_open: close_all" in text
    assert "state_open --> state_open: move" not in text
    assert "state_capacity_escalated --> state_open: move" in text


def test_only_the_text_between_the_markers_changes():
    text = f"# Title\n\nBefore.\n\n{START}\nold diagrams\n{END}\n\nAfter.\n"
    updated = readme_with_diagrams(text)
    assert updated.startswith(f"# Title\n\nBefore.\n\n{START}\n")
    assert updated.endswith(f"\n{END}\n\nAfter.\n")
    assert "old diagrams" not in updated
    assert readme_with_diagrams(updated) == updated


def test_a_readme_without_the_markers_is_an_error():
    with pytest.raises(CommandError, match="markers"):
        readme_with_diagrams("# No markers here\n")


def test_check_fails_when_the_readme_is_stale(tmp_path, monkeypatch):
    stale = tmp_path / "README.md"
    stale.write_text(f"{START}\nstale\n{END}\n", encoding="utf-8")
    monkeypatch.setattr("casetransfer.management.commands.fsm_diagrams.readme_path", lambda: stale)
    with pytest.raises(CommandError, match="stale"):
        call_command("fsm_diagrams", "--check")
    call_command("fsm_diagrams")
    assert "stateDiagram-v2" in stale.read_text(encoding="utf-8")
    call_command("fsm_diagrams", "--check")
