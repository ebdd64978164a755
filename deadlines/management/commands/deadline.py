"""``manage.py deadline KIND WHEN``: the command-line interface required by DEADLINES.md.

Prints the due instant under the default rules, using the same ``compute_due`` and ``parse_when``
as the application. It touches no database, so it works before ``migrate``.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from deadlines.rules import DEFAULT_RULES, Kind, UnknownKind, compute_due, parse_when


class Command(BaseCommand):
    """Print the due instant of a deadline under the default rules (DEADLINES.md, CLI)."""

    help = (
        "Print the due instant, in London time with its UTC offset, of a KIND deadline anchored "
        "at WHEN, under the default rules. WHEN is ISO 8601; without an offset it is London "
        "local time. Kinds: " + ", ".join(Kind.values)
    )
    # A pure calculation: skip system checks so the command works whatever state the models and
    # database are in.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", metavar="KIND", help="one of: " + ", ".join(Kind.values))
        parser.add_argument(
            "when",
            metavar="WHEN",
            help="the anchor, ISO 8601, e.g. 2026-11-24T11:15 (London) or 2026-11-24T11:15Z",
        )

    def handle(self, *args: Any, **options: Any) -> str:
        kind: str = options["kind"]
        if kind not in DEFAULT_RULES:
            raise CommandError(str(UnknownKind(kind)))
        try:
            anchor = parse_when(options["when"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        try:
            due = compute_due(kind, anchor)
        except (ValueError, OverflowError) as exc:
            raise CommandError(
                f"cannot compute a {kind} deadline from {anchor.isoformat()}: {exc}"
            ) from exc
        # Returned rather than written: BaseCommand.execute writes it to stdout with one newline.
        return due.isoformat()
