from django.core.management.base import BaseCommand, CommandError

from cases.demo import DEMO_PASSWORD, seed_demo
from casework.demo import seed_casework
from conferences.demo import seed_conferences
from escalations.demo import seed_concerns
from transfers.demo import seed_cin_to_cic, seed_step_ups, seed_team_moves


class Command(BaseCommand):
    help = "Load a fictional authority: teams for every service, users for every role, cases."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=200, help="How many demo cases in all.")

    def handle(self, *args, cases: int, **options):
        if not 0 <= cases <= 1_000_000:
            raise CommandError("--cases must be between 0 and 1,000,000")
        result = seed_demo(cases=cases)
        step_ups = seed_step_ups() if result["cases"] >= 50 else 0
        moves = seed_team_moves() if result["cases"] >= 50 else 0
        if result["cases"] >= 50:
            moves += seed_cin_to_cic()
            seed_casework()
            seed_concerns()
            seed_conferences()
        self.stdout.write(
            f"Demo data: {result['teams']} teams, {result['users']} users, "
            f"{result['cases']} cases ({result['cases_created']} new), "
            f"{step_ups} new step-ups, {moves} new transfers between teams. "
            f"Every demo user's password is '{DEMO_PASSWORD}'."
        )
