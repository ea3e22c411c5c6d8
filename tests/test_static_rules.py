"""Static rules of the house, checked on the source (run by `make test` and so by `.ci/run`):

1. No `|safe`, `{% autoescape off %}` or `mark_safe`/`SafeString` on what people typed: none in
   templates or Python outside `SAFE_ALLOWED` (empty today: Django escapes everything).
2. A view never loads a row by its id without a user scope: `get_object_or_404(Model, pk=…)` or
   `….objects….get(pk=…)` in a views module must go through a `for_…(user)` read
   (`for_reviewer`, `for_freelancer`, `for_recipient`, `for_account`) or `scoped_appeal`, unless
   the function is in `UNSCOPED_ALLOWED` with the reason it is safe.
3. ruff's bandit rules (`S`) are on for the application code (`ruff check` in `.ci/run` runs
   them) and catch a bad sample.

Each rule is also fed a bad sample, to prove it can fail.
"""

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "accounts",
    "api",
    "appeals",
    "config",
    "demo",
    "enforcement",
    "infra",
    "notifications",
    "transparency",
]

# --- Rule 1: nothing marked safe ------------------------------------------------------------------

SAFE_ALLOWED: dict[str, str] = {
    # The transparency report's body, rendered by our own template (autoescaped) and kept in
    # Django's cache as a plain string between requests (transparency.pages.rendered_report).
    "transparency/pages.py:24": "imports mark_safe for the cached report body below",
    "transparency/pages.py:71": "the cached report body's type",
    "transparency/pages.py:83": (
        "re-marks the report body our own autoescaped template rendered, read back from the cache"
    ),
    "templates/notifications/email/notification.txt:1": (
        "the plain-text part of an email: not HTML, so HTML escaping would garble it"
    ),
    "templates/account/email/base_message.txt:1": (
        "allauth's plain-text email body: not HTML, so HTML escaping would garble it"
    ),
    "templates/account/email/email_confirmation_subject.txt:1": (
        "an email subject line (plain text, from a translated constant)"
    ),
    "templates/account/email/password_reset_key_subject.txt:1": (
        "an email subject line (plain text, from a translated constant)"
    ),
}
_TEMPLATE_UNSAFE = re.compile(r"\|\s*safe\b|\{%\s*autoescape\s+off\s*%\}|\|\s*safeseq\b")
_PYTHON_UNSAFE = {"mark_safe", "SafeString", "SafeText"}


def template_violations(name: str, text: str) -> list[str]:
    return [
        f"{name}:{number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), 1)
        if _TEMPLATE_UNSAFE.search(line) and f"{name}:{number}" not in SAFE_ALLOWED
    ]


def python_unsafe_violations(name: str, source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        used = None
        if isinstance(node, ast.Name) and node.id in _PYTHON_UNSAFE:
            used = node.id
        elif isinstance(node, ast.Attribute) and node.attr in _PYTHON_UNSAFE:
            used = node.attr
        elif isinstance(node, ast.ImportFrom):
            names = {alias.name for alias in node.names} & _PYTHON_UNSAFE
            used = next(iter(names), None)
        if used and f"{name}:{node.lineno}" not in SAFE_ALLOWED:
            found.append(f"{name}:{node.lineno}: {used}")
    return found


def _templates():
    for folder in [ROOT / "templates", *(ROOT / app / "templates" for app in APPS)]:
        if folder.exists():
            yield from sorted(folder.rglob("*.html"))
            yield from sorted(folder.rglob("*.txt"))


def _python_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_nothing_is_marked_safe_in_templates_or_python():
    violations = []
    for path in _templates():
        violations += template_violations(str(path.relative_to(ROOT)), path.read_text())
    for path in _python_files():
        violations += python_unsafe_violations(str(path.relative_to(ROOT)), path.read_text())
    assert violations == []


def test_the_safe_rule_catches_bad_samples():
    assert template_violations("t.html", "<p>{{ appeal.statement|safe }}</p>") == [
        "t.html:1: <p>{{ appeal.statement|safe }}</p>"
    ]
    assert template_violations("t.html", "{% autoescape off %}{{ x }}{% endautoescape %}")
    assert template_violations("t.html", "<p>{{ appeal.statement }}</p>") == []
    bad = "from django.utils.safestring import mark_safe\n\ndef f(t):\n    return mark_safe(t)\n"
    assert python_unsafe_violations("v.py", bad) == ["v.py:1: mark_safe", "v.py:4: mark_safe"]


# --- Rule 2: rows loaded by id in views go through a user scope ------------------------------------

# "module:function": why the unscoped read is safe.
UNSCOPED_ALLOWED = {
    "appeals/views/case.py:attachment_download": (
        "loads the attachment, then serves it only to its owner (not internal) or through "
        "scoped_appeal (the reviewer scope)"
    ),
    "appeals/views/review.py:reviewer_case_context": (
        "reads the action of an appeal already loaded through scoped_appeal"
    ),
    "appeals/views/queues.py:release": "leads (MANAGE_QUEUES) move held appeals house-wide",
    "appeals/views/queues.py:reassign": "leads (MANAGE_QUEUES) move held appeals house-wide",
    "enforcement/staff_views.py:staff_action": (
        "enforcers and leads (ISSUE_ACTIONS) read any action; no freelancer reaches it"
    ),
    "enforcement/staff_views.py:_statement_action": (
        "the statement preview of enforcers and leads (ISSUE_ACTIONS), of any action"
    ),
    "api/actions.py:create_action": "re-reads the action this source just created",
    "api/actions.py:record_client_notice": "re-reads the notice just written on the source's action",
    "api/actions.py:acknowledge_correction": (
        "re-reads the notice loaded with `action__intake_source=request.auth` above"
    ),
    "appeals/views/macros.py:macro_edit": (
        "leads (MANAGE_QUEUES) manage canned replies house-wide; a macro holds no personal data"
    ),
    "appeals/views/macros.py:macro_set_active": (
        "leads (MANAGE_QUEUES) retire and restore canned replies house-wide"
    ),
    "enforcement/staff_views.py:lead_review": (
        "leads (MANAGE_QUEUES) record, house-wide, the review that terminating a long-standing "
        "freelancer account needs; the read is limited to freelancer accounts"
    ),
    "enforcement/staff_views.py:_get_termination": (
        "enforcers and leads (ISSUE_ACTIONS) confirm any proposed termination"
    ),
}
_ID_KEYWORDS = re.compile(r"^(pk|id|\w+_pk|\w+_id)$")
_SCOPES = re.compile(r"^(for_\w+|scoped_appeal)$")


def _is_views_module(path: str) -> bool:
    name = Path(path).name
    return name in {"views.py", "staff_views.py"} or "/views/" in path or path.startswith("api/")


def _calls_in_chain(node: ast.AST) -> set[str]:
    names = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call):
            func = inner.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def unscoped_reads(path: str, source: str) -> list[str]:
    found = []
    tree = ast.parse(source)
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            by_id = any(k.arg and _ID_KEYWORDS.match(k.arg) for k in node.keywords)
            if not by_id:
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id == "get_object_or_404" and node.args:
                target = node.args[0]
            elif isinstance(func, ast.Attribute) and func.attr in {"get", "get_object_or_404"}:
                target = func.value
            else:
                continue
            if any(_SCOPES.match(name) for name in _calls_in_chain(target)):
                continue
            where = f"{path}:{function.name}"
            if where not in UNSCOPED_ALLOWED:
                found.append(f"{where} (line {node.lineno})")
    return found


def test_views_load_rows_by_id_only_through_a_user_scope():
    violations = []
    for path in _python_files():
        relative = str(path.relative_to(ROOT))
        if _is_views_module(relative):
            violations += unscoped_reads(relative, path.read_text())
    assert violations == []


def test_every_allowed_unscoped_read_still_exists():
    """An entry left behind after its function changed would silently allow a new read."""
    present = set()
    for entry in UNSCOPED_ALLOWED:
        module, function = entry.split(":")
        tree = ast.parse((ROOT / module).read_text())
        if any(
            isinstance(node, ast.FunctionDef) and node.name == function for node in ast.walk(tree)
        ):
            present.add(entry)
    assert present == set(UNSCOPED_ALLOWED)


def test_the_scope_rule_catches_bad_samples():
    bad = (
        "def appeal_page(request, pk):\n"
        "    appeal = get_object_or_404(Appeal, pk=pk)\n"
        "    other = Appeal.objects.select_related('action').get(pk=pk)\n"
        "    note = Message.objects.get(appeal_id=pk)\n"
    )
    assert unscoped_reads("appeals/views/x.py", bad) == [
        "appeals/views/x.py:appeal_page (line 2)",
        "appeals/views/x.py:appeal_page (line 3)",
        "appeals/views/x.py:appeal_page (line 4)",
    ]
    good = (
        "def appeal_page(request, pk):\n"
        "    a = get_object_or_404(Appeal.objects.for_reviewer(request.user), pk=pk)\n"
        "    b = Notification.objects.for_recipient(request.user).get(pk=pk)\n"
        "    c = scoped_appeal(request, pk)\n"
        "    d = get_object_or_404(Rule, key=key)\n"
    )
    assert unscoped_reads("appeals/views/x.py", good) == []


# --- Rule 3: bandit's rules through ruff ------------------------------------------------------------


def test_ruff_bandit_rules_are_on_for_the_application():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert "S" in config["select"]
    # The few ignored S rules are named ones (assert, hard-coded test passwords, random for
    # jitter), never the whole family; tests and benches are the only files exempt from S.
    assert all(rule.startswith("S") is False or len(rule) == 4 for rule in config["ignore"])
    assert "S308" not in config["ignore"] and "S608" not in config["ignore"]
    exempt = {pattern for pattern, rules in config["per-file-ignores"].items() if "S" in rules}
    assert exempt <= {"tests/*", "bench/*"}


def test_ruff_bandit_rules_catch_a_bad_sample(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text(
        "import subprocess\n"
        "from django.utils.safestring import mark_safe\n\n\n"
        "def page(request, text):\n"
        "    subprocess.call(request.GET['cmd'], shell=True)\n"
        "    return mark_safe(text)\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "S", str(sample)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "S308" in result.stdout  # mark_safe
    assert "S602" in result.stdout  # shell=True
