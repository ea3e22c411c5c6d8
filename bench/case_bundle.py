"""Time to build the case bundle of a decided appeal (JSON, PDF, ZIP), to decide whether it can
be generated in the request. Prints one JSON line.
Run: python manage.py shell < bench/case_bundle.py
(against a scratch database: it seeds the demo and files and decides one appeal)."""

import json
import statistics
import time

from django.core.management import call_command

from accounts.models import User
from appeals import bundle
from demo.data import DEMO_FREELANCER, DEMO_REVIEWER
from enforcement.models import EnforcementAction
from tests.appeals.case_bundle_scenario import decided_case

call_command("seed_demo", verbosity=0)
freelancer = User.objects.get(email=DEMO_FREELANCER)
action = EnforcementAction.objects.for_account(freelancer).filter(appeal__isnull=True).first()
if action is not None:
    decided_case(action, User.objects.get(email=DEMO_REVIEWER))
action = EnforcementAction.objects.for_account(freelancer).filter(appeal__isnull=False).first()

timings: dict[str, list[float]] = {"json": [], "pdf": [], "zip": []}
for _ in range(7):
    for fmt in timings:
        started = time.perf_counter()
        loaded, appeal = bundle.load_case(action.pk, account=freelancer)
        case = bundle.build_bundle(loaded, appeal)
        if fmt == "json":
            size = len(bundle.bundle_json(case))
        elif fmt == "pdf":
            size = len(bundle.bundle_pdf(case))
        else:
            size = len(bundle.bundle_zip(case, appeal))
        timings[fmt].append((time.perf_counter() - started) * 1000)
print(
    json.dumps(
        {
            "bench": "case_bundle",
            "runs": 7,
            **{f"{fmt}_median_ms": round(statistics.median(v), 1) for fmt, v in timings.items()},
            **{f"{fmt}_max_ms": round(max(v), 1) for fmt, v in timings.items()},
        }
    )
)
