from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cases.services import case_flag_adult_transitions, cases_awaiting_adult_transition_flag


class Command(BaseCommand):
    help = (
        "Flag for adult services every disabled child in the Disabled Children's Service who has "
        "no open adult-services transition (seed 001 s3.10). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say how many would be flagged; change nothing."
        )
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, dry_run: bool, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if dry_run:
            waiting = cases_awaiting_adult_transition_flag(timezone.localdate()).count()
            self.stdout.write(f"{waiting} cases would be flagged for adult services.")
            return
        flagged = case_flag_adult_transitions(batch_size=batch_size)
        self.stdout.write(f"{flagged} cases flagged for adult services.")
