"""`manage.py seed_demo`: the demo catalogue, people and cases; `--freelancers N` for scale.

Idempotent (running it twice changes nothing); the work is in `demo/seeding.py`.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo import data as demo_data
from demo.seeding import (
    seed_bulk_freelancers,
    seed_catalogue,
    seed_demo_cases,
    seed_history,
    seed_macros,
    seed_people,
    seed_queues,
    seed_translations,
)
from enforcement.models import ReasonCode, Rule, RuleVersion


class Command(BaseCommand):
    help = (
        "Create the demo rule catalogue, demo people and their enforcement actions (idempotent). "
        "With --freelancers N, also make sure N bulk freelancers with 1-3 actions each exist."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--freelancers",
            type=int,
            default=0,
            metavar="N",
            help="Make sure N bulk freelancers exist; only the missing ones are created.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            metavar="B",
            help="Bulk freelancers written per transaction (default 1000).",
        )

    def handle(self, *args, freelancers: int, batch_size: int, **options) -> None:
        if freelancers < 0 or batch_size < 1:
            raise CommandError("--freelancers must be >= 0 and --batch-size >= 1.")
        with transaction.atomic():
            people, people_created = seed_people()
            rules, versions, codes = seed_catalogue(published_by=people[demo_data.DEMO_ADMIN])
            seed_translations(published_by=people[demo_data.DEMO_ADMIN])
            actions = seed_demo_cases(people, issued_by=people[demo_data.DEMO_ENFORCER])
            seed_macros()
            seed_queues(people)
            history = seed_history(people)
        self.stdout.write(
            f"Demo data: {Rule.objects.count()} rules, "
            f"{RuleVersion.objects.published().count()} published versions, "
            f"{ReasonCode.objects.count()} reason codes "
            f"(created now: {rules} rules, {versions} versions, {codes} reason codes, "
            f"{people_created} people, {actions} demo actions, {history} actions of history)."
        )
        if freelancers:
            result = seed_bulk_freelancers(
                freelancers,
                reviewer=people[demo_data.DEMO_ENFORCER],
                confirmer=people[demo_data.DEMO_LEAD],
                batch_size=batch_size,
                progress=self.stdout.write,
            )
            self.stdout.write(result.summary())
