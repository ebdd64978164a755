"""Write every state machine of the project's apps into README.md as Mermaid diagrams.

`python manage.py fsm_diagrams` rewrites the text between the README's markers;
`--check` changes nothing and exits non-zero when the README is stale (a test runs it too)."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_fsm import FSMFieldMixin

APP_LABELS = (
    "people",
    "cases",
    "audit",
    "deadlines",
    "transfers",
    "conferences",
    "escalations",
)
START = "<!-- fsm-diagrams:start -->"
END = "<!-- fsm-diagrams:end -->"
ANY_STATE, ANY_OTHER_STATE = "*", "+"


def _node(state) -> str:
    """A Mermaid state id: the state's value with anything but letters, digits and _ replaced."""
    return "state_" + re.sub(r"\W", "_", str(state))


def _targets(transition) -> list:
    """Where a transition can lead: its target; a RETURN_VALUE/GET_STATE target's allowed
    states; None (a check that leaves the state as it is) is left to the caller."""
    target = transition.target
    allowed = getattr(target, "allowed_states", None)
    if allowed is not None:
        return list(allowed)
    return [target]


def machines() -> list[tuple[type, FSMFieldMixin]]:
    """Every (model, FSM field) in the project's apps, in app, model and field order."""
    found = []
    for label in APP_LABELS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in sorted(config.get_models(), key=lambda m: m.__name__):
            for field in model._meta.get_fields():
                if isinstance(field, FSMFieldMixin) and field.model is model:
                    found.append((model, field))
    return found


SHARED = "shared"


def _kind(transition) -> str | None:
    """The machine a transition belongs to, where one field holds several (`custom={"kind":
    ...}`, as Transfer.status does: one machine per kind of transfer, plus shared steps)."""
    return (transition.custom or {}).get("kind")


def diagrams(model: type, field: FSMFieldMixin) -> list[str]:
    """One diagram per machine the field holds: per kind where its transitions say one."""
    transitions = list(field.get_all_transitions(model))
    kinds = sorted({k for k in map(_kind, transitions) if k and k != SHARED})
    if not kinds:
        return [diagram(model, field, transitions)]
    blocks = []
    for kind in kinds:
        own = [t for t in transitions if _kind(t) == kind]
        states = {str(t.source) for t in own} | {str(t.target) for t in own}
        shared = [t for t in transitions if _kind(t) == SHARED and str(t.source) in states]
        blocks.append(diagram(model, field, own + shared, kind=kind))
    return blocks


def diagram(model: type, field: FSMFieldMixin, transitions=None, kind: str = "") -> str:
    """One `stateDiagram-v2` block: states labelled as people read them, edges by transition.
    For one kind of a shared field, only the states its transitions touch."""
    all_states = [value for value, _ in field.flatchoices] if field.choices else []
    labels = {str(value): str(label) for value, label in field.flatchoices}
    edges: set[tuple[str, str, str]] = set()
    if transitions is None:
        transitions = field.get_all_transitions(model)
    transitions = sorted(transitions, key=lambda t: (t.name, str(t.source)))
    if kind:
        touched = {str(t.source) for t in transitions} | {str(t.target) for t in transitions}
        states = [s for s in all_states if str(s) in touched]
    else:
        states = list(all_states)
    for transition in transitions:
        for target in _targets(transition):
            if transition.source == ANY_STATE:
                sources = states
            elif transition.source == ANY_OTHER_STATE:
                sources = [s for s in states if s != target]
            else:
                sources = [transition.source]
            for source in sources:
                to = source if target is None else target
                edges.add((str(source), str(to), transition.name))
                for state in (source, to):
                    if state not in states:
                        states.append(state)
            if transition.on_error is not None:
                for source in sources:
                    edges.add((str(source), str(transition.on_error), f"{transition.name} fails"))
    order = {str(state): index for index, state in enumerate(states)}
    title = f"{model._meta.app_label}.{model.__name__}.{field.name}"
    lines = [
        f"#### `{title}`" + (f" ({kind.replace('_', ' ')})" if kind else ""),
        "",
        "```mermaid",
        "stateDiagram-v2",
    ]
    for state in states:
        label = labels.get(str(state), str(state)).replace('"', "'")
        lines.append(f'    state "{label}" as {_node(state)}')
    default = field.get_default()
    targets = {target for _, target, _ in edges}
    if default not in (None, "") and str(default) in order:
        lines.append(f"    [*] --> {_node(default)}")
    elif kind:
        # A kind that starts elsewhere than the field's default: where its rows are created.
        for state in states:
            if str(state) not in targets:
                lines.append(f"    [*] --> {_node(state)}")
    for source, target, name in sorted(
        edges, key=lambda e: (order.get(e[0], 99), order.get(e[1], 99), e[2])
    ):
        lines.append(f"    {_node(source)} --> {_node(target)}: {name}")
    lines.append("```")
    return "\n".join(lines)


def render() -> str:
    """The text that belongs between the markers."""
    blocks = [block for model, field in machines() for block in diagrams(model, field)]
    return "\n\n".join(blocks)


def readme_with_diagrams(text: str) -> str:
    """`text` with everything between the markers replaced by the current diagrams."""
    start, end = text.find(START), text.find(END)
    if start == -1 or end == -1 or end < start:
        raise CommandError(f"README.md needs the markers {START} and {END}, in that order.")
    return f"{text[: start + len(START)]}\n{render()}\n{text[end:]}"


def readme_path() -> Path:
    return Path(settings.BASE_DIR) / "README.md"


class Command(BaseCommand):
    help = "Write the state machine diagrams into README.md (with --check, only compare)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; exit non-zero when README.md differs from the code.",
        )

    def handle(self, *args, check: bool = False, **options):
        path = readme_path()
        current = path.read_text(encoding="utf-8")
        wanted = readme_with_diagrams(current)
        if check:
            if current != wanted:
                raise CommandError(
                    "README.md's state machine diagrams are stale: run "
                    "`python manage.py fsm_diagrams` and commit README.md."
                )
            self.stdout.write("README.md's state machine diagrams are up to date.")
            return
        if current != wanted:
            path.write_text(wanted, encoding="utf-8")
            self.stdout.write(f"Wrote {len(machines())} state machine diagrams to README.md.")
        else:
            self.stdout.write("README.md's state machine diagrams were already up to date.")
