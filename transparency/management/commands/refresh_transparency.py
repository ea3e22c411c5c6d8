"""`manage.py refresh_transparency [--all]`: what beat does every few minutes, now.

`make run` calls it after `seed_demo`, so the report shows the demo's year at once.
"""

from django.core.management.base import BaseCommand

from transparency.aggregation import refresh_figures
from transparency.models import AggregationState


class Command(BaseCommand):
    help = "Fold changes into the transparency report's daily figures (--all: from scratch)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="Recompute the whole history.")

    def handle(self, *args, all: bool, **options) -> None:
        if all:
            AggregationState.objects.update(changes_until=None)
        days = refresh_figures()
        self.stdout.write(f"Transparency figures: {len(days)} day(s) recomputed.")
