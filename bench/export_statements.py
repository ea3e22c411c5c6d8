"""Export N statements with `export_statements` and report time and peak RSS (one JSON line).
Run against a scratch database: python manage.py shell < bench/export_statements.py
(BENCH_ACTIONS=10000 by default; it clones one demo action N times)."""

import json
import os
import resource
import tempfile
import time
from pathlib import Path

from django.core.management import call_command
from django.db import transaction

from enforcement.models import EnforcementAction, EvidenceItem, new_puid

count = int(os.environ.get("BENCH_ACTIONS", "10000"))
call_command("seed_demo", verbosity=0)
template = EnforcementAction.objects.order_by("pk").first()
versions = list(template.cited_versions.all())
existing = EnforcementAction.objects.count()
clones = []
for _ in range(max(0, count - existing)):
    clone = EnforcementAction.objects.get(pk=template.pk)
    clone.pk, clone.puid, clone.intake_source, clone.external_id = None, new_puid(), None, ""
    clones.append(clone)
# One transaction: the database refuses an action without evidence or a cited version.
with transaction.atomic():
    created = EnforcementAction.objects.bulk_create(clones, batch_size=1000)
    through = EnforcementAction.cited_versions.through
    through.objects.bulk_create(
        [
            through(enforcementaction_id=a.pk, ruleversion_id=v.pk)
            for a in created
            for v in versions
        ],
        batch_size=5000,
    )
    evidence = list(template.evidence_items.all())
    EvidenceItem.objects.bulk_create(
        [
            EvidenceItem(
                **{
                    f.attname: getattr(item, f.attname)
                    for f in EvidenceItem._meta.concrete_fields
                    if f.attname not in {"id", "action_id"}
                },
                action_id=a.pk,
            )
            for a in created
            for item in evidence
        ],
        batch_size=5000,
    )
del clones, created
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with tempfile.TemporaryDirectory() as out, open(os.devnull, "w") as quiet:
    started = time.perf_counter()
    call_command("export_statements", since="2000-01-01", output=out, stdout=quiet)
    seconds = time.perf_counter() - started
    files = sorted(os.listdir(out))
    largest = max(len(json.loads(Path(out, name).read_text())["statements"]) for name in files)
print(
    json.dumps(
        {
            "bench": "export_statements",
            "actions": EnforcementAction.objects.count(),
            "files": len(files),
            "largest_batch": largest,
            "seconds": round(seconds, 2),
            "peak_rss_mb_before_export": round(rss_before / 1024, 1),
            "peak_rss_mb_after_export": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
            ),
        }
    )
)
