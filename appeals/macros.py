"""Canned replies filled in server-side, in a sandbox.

A macro body is a Django template, but rendered by an engine of its own: no `load`, `include`,
`url`, `debug` or any other tag that reaches outside the text, only `if` and a few text filters,
and a context of plain strings built here. A lead writing `{{ freelancer.password }}` or
`{{ appeal.action.account.email }}` gets nothing: the names are not in the context, and the
values are strings, so there is no attribute to walk to a model, a manager or a setting.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.template import (
    Context,
    Engine,
    Library,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)

from appeals.models import Appeal
from infra.dates import format_when

register = Library()
register.tag("if", defaulttags.do_if)
for _name in ("default", "upper", "lower", "capfirst", "title"):
    register.filter(_name, getattr(defaultfilters, _name))

# Marks a name the context does not have, so a lead's typo is refused when the macro is saved.
_UNKNOWN = "\x00unknown\x00"

PLACEHOLDERS = {
    "freelancer.first_name": "the freelancer's first name",
    "freelancer.name": "the freelancer's full name",
    "action.rule": "the rule the action applied, e.g. “R-3 Accurate profiles”",
    "action.reference": "the action's public reference",
    "action.restriction": "the kind of action, e.g. “account suspension”",
    "appeal.id": "the appeal's number",
    "deadline": "when the decision is promised, in the freelancer's time zone",
    "reviewer.first_name": "your first name",
}


class _SandboxEngine(Engine):
    # Engine adds Django's default tags and filters (include, load, url, debug, safe, …) to
    # every engine; this one has only what `register` above offers.
    default_builtins: list[str] = []


def _engine(string_if_invalid: str = "") -> Engine:
    return _SandboxEngine(
        builtins=["appeals.macros"],
        libraries={},
        autoescape=False,  # plain text: the page escapes it when it shows the message
        string_if_invalid=string_if_invalid,
        debug=False,
    )


_ENGINE = _engine()
_CHECKING_ENGINE = _engine(_UNKNOWN)


def _first_name(person) -> str:
    name = (person.display_name or "").strip()
    if name:
        return name.split()[0]
    return person.email.split("@", 1)[0]


def macro_context(appeal: Appeal, *, reviewer) -> dict[str, object]:
    """Everything a macro may name, as plain strings (the appeal's action with its statement
    and the freelancer are loaded with the case)."""
    action = appeal.action
    freelancer = appeal.freelancer
    deadline = appeal.decision_expected_by()
    rule_key = action.reason_code.rule.key if action.reason_code_id else ""
    return {
        "freelancer": {
            "first_name": _first_name(freelancer),
            "name": str(freelancer),
        },
        "action": {
            "rule": f"{rule_key} {action.rule_title}".strip(),
            "reference": str(action.puid),
            "restriction": action.get_restriction_type_display().lower(),
        },
        "appeal": {"id": str(appeal.pk)},
        "deadline": (
            format_when(deadline, freelancer.time_zone)
            if deadline
            else "as soon as you have answered our question"
        ),
        "reviewer": {"first_name": _first_name(reviewer)},
    }


def render_macro_body(body: str, context: dict[str, object]) -> str:
    return _ENGINE.from_string(body).render(Context(context, autoescape=False)).strip()


def render_macro(macro, appeal: Appeal, *, reviewer) -> str:
    return render_macro_body(macro.body, macro_context(appeal, reviewer=reviewer))


SAMPLE_CONTEXT = {
    "freelancer": {"first_name": "Amara", "name": "Amara Okafor"},
    "action": {"rule": "R-3 Accurate profiles", "reference": "A1B2C3", "restriction": "suspension"},
    "appeal": {"id": "1"},
    "deadline": "14 December 2026, 17:00 CET",
    "reviewer": {"first_name": "Riley"},
}


def check_macro_body(body: str) -> None:
    """Refuse a body that does not compile in the sandbox or names an unknown placeholder."""
    try:
        rendered = _CHECKING_ENGINE.from_string(body).render(
            Context(SAMPLE_CONTEXT, autoescape=False)
        )
    except TemplateSyntaxError as exc:
        raise ValidationError(
            f"This text cannot be filled in: {exc}. Placeholders look like "
            "{{ freelancer.first_name }}; the only tag is {% if %}."
        ) from exc
    if _UNKNOWN in rendered:
        known = ", ".join("{{ " + name + " }}" for name in PLACEHOLDERS)
        raise ValidationError(f"It names a placeholder that does not exist. Use only: {known}.")
