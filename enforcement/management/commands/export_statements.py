"""Write statements of reasons as DSA Transparency Database JSON batches (≤ 100 each)."""

import json
from datetime import datetime, time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date

from enforcement import export


def _day(value: str, option: str) -> datetime:
    day = parse_date(value) if value else None
    if day is None:
        raise CommandError(f"{option} must be a date such as 2026-05-31, not {value!r}.")
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


class Command(BaseCommand):
    help = (
        "Write the statements of reasons of actions issued from --since (inclusive) to --until "
        "(exclusive) into DIR as statements-0001.json, … — each {'statements': [...]} with at "
        "most 100, the Transparency Database's request body."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="YYYY-MM-DD, inclusive")
        parser.add_argument("--until", help="YYYY-MM-DD, exclusive")
        parser.add_argument("--output", required=True, help="directory for the batch files")

    def handle(self, *args, since: str, until: str | None, output: str, **options):
        start = _day(since, "--since")
        end = _day(until, "--until") if until else None
        if end is not None and end <= start:
            raise CommandError("--until must be after --since.")
        directory = Path(output)
        directory.mkdir(parents=True, exist_ok=True)
        files = statements = 0
        for number, batch in enumerate(export.batches(export.actions_between(start, end)), start=1):
            invalid = [
                f"{item['puid']}: {problem}" for item in batch for problem in export.problems(item)
            ]
            if invalid:
                raise CommandError("Refusing to export invalid statements:\n" + "\n".join(invalid))
            path = directory / f"statements-{number:04d}.json"
            path.write_text(json.dumps({"statements": batch}, ensure_ascii=False, indent=1))
            files, statements = number, statements + len(batch)
        self.stdout.write(f"{statements} statements in {files} files in {directory}")
