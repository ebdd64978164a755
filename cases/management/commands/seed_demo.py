from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cases.demo import CASES_PER_TEAM_SET, DEMO_PASSWORD, seed_demo
from cases.scale import SCALE_FROM, add_historical_deadlines, scale_transfers
from casework.demo import seed_casework
from conferences.demo import seed_conferences
from escalations.demo import seed_concerns, seed_escalations
from transfers.demo import seed_cin_to_cic, seed_step_ups, seed_team_moves


class Command(BaseCommand):
    help = "Load a fictional authority: teams for every service, users for every role, cases."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=200, help="How many demo cases in all.")
        parser.add_argument(
            "--historical-deadlines",
            type=int,
            default=0,
            help="Add this many met or cancelled deadlines, as years of history would (issue 14).",
        )
        parser.add_argument(
            "--cases-per-team-set",
            type=int,
            default=CASES_PER_TEAM_SET,
            help="One set of every team and its staff for this many cases (0: one set, however "
            "many cases; every caseload grows with them).",
        )

    def handle(
        self,
        *args,
        cases: int,
        historical_deadlines: int = 0,
        cases_per_team_set: int = CASES_PER_TEAM_SET,
        **options,
    ):
        # Demo accounts share a published password: never on a production database.
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo refuses to run under production settings: its accounts share a "
                "published password."
            )
        if not 0 <= cases <= 1_000_000:
            raise CommandError("--cases must be between 0 and 1,000,000")
        if cases_per_team_set < 0:
            raise CommandError("--cases-per-team-set must be 0 or more")
        result = seed_demo(cases=cases, per_set=cases_per_team_set)
        step_ups = seed_step_ups() if result["cases"] >= 50 else 0
        moves = seed_team_moves() if result["cases"] >= 50 else 0
        if result["cases"] >= 50:
            moves += seed_cin_to_cic()
            seed_casework()
            seed_concerns()
            seed_escalations()
            seed_conferences()
        # At scale, transfers of every kind in every state and their deadlines grow with the
        # cases (about one live transfer for every five cases); small demos keep the hand-made set.
        scaled = scale_transfers(cases=cases) if cases >= SCALE_FROM else 0
        history = add_historical_deadlines(historical_deadlines)
        if scaled or history:
            self.stdout.write(f"At scale: {scaled} new transfers, {history} historical deadlines.")
        self.stdout.write(
            f"Demo data: {result['teams']} teams, {result['users']} users, "
            f"{result['cases']} cases ({result['cases_created']} new), "
            f"{step_ups} new step-ups, {moves} new transfers between teams. "
            f"Every demo user's password is '{DEMO_PASSWORD}'."
        )
