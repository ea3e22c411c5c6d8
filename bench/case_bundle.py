"""Time to build the case bundle of a decided appeal: the JSON as the request builds it, and the
PDF and the ZIP as the worker's task prepares them (`appeals.services.case_files
.render_case_file`: collect, render, pack, store with its hash). The first PDF of the process
is reported apart (cold: WeasyPrint loads its fonts). Prints one JSON line.
Run: python manage.py shell < bench/case_bundle.py
(against a scratch database: it seeds the demo, files and decides one appeal, and writes case
files to the storage)."""

import json
import statistics
import time

from django.core.management import call_command

from accounts.models import User
from appeals import bundle
from appeals.models import CaseFile
from appeals.services import case_files
from demo.data import DEMO_FREELANCER, DEMO_REVIEWER
from enforcement.models import EnforcementAction
from tests.appeals.case_bundle_scenario import decided_case

RUNS = 7
# The bench runs the task's function itself: nothing is sent to a broker.
case_files.enqueue = lambda *args: True

call_command("seed_demo", verbosity=0)
freelancer = User.objects.get(email=DEMO_FREELANCER)
action = EnforcementAction.objects.for_account(freelancer).filter(appeal__isnull=True).first()
if action is not None:
    decided_case(action, User.objects.get(email=DEMO_REVIEWER))
action = EnforcementAction.objects.for_account(freelancer).filter(appeal__isnull=False).first()


sizes: dict[str, int] = {}


def render(fmt: str) -> float:
    """One task run for a new case file of `fmt`; milliseconds (its size kept in `sizes`)."""
    case_file, _ = case_files.request_case_file(
        action, by=freelancer, audience=CaseFile.Audience.FREELANCER, fmt=fmt
    )
    started = time.perf_counter()
    status = case_files.render_case_file(case_file.pk)
    elapsed = (time.perf_counter() - started) * 1000
    assert status == CaseFile.Status.READY, case_file.pk
    sizes[fmt] = CaseFile.objects.get(pk=case_file.pk).size
    # Done with it: the next run prepares a new one (a ready, current file would be reused).
    CaseFile.objects.get(pk=case_file.pk).file.delete(save=False)
    CaseFile.objects.filter(pk=case_file.pk).delete()
    return elapsed


cold_pdf_ms = render("pdf")
timings: dict[str, list[float]] = {"json": [], "pdf": [], "zip": []}
for _ in range(RUNS):
    started = time.perf_counter()
    loaded, appeal = bundle.load_case(action.pk, account=freelancer)
    bundle.bundle_json(bundle.build_bundle(loaded, appeal))
    timings["json"].append((time.perf_counter() - started) * 1000)
    timings["pdf"].append(render("pdf"))
    timings["zip"].append(render("zip"))
print(
    json.dumps(
        {
            "bench": "case_bundle",
            "runs": RUNS,
            "pdf_task_cold_ms": round(cold_pdf_ms, 1),
            **{f"{fmt}_median_ms": round(statistics.median(v), 1) for fmt, v in timings.items()},
            **{f"{fmt}_max_ms": round(max(v), 1) for fmt, v in timings.items()},
            **{f"{fmt}_bytes": size for fmt, size in sizes.items()},
        }
    )
)
