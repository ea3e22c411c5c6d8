from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.decorators import cache_public, freelancer_required, public
from enforcement.diff import has_changes, word_diff
from enforcement.models import EnforcementAction, Rule, RuleVersion


@freelancer_required
@require_safe
def standing(request: HttpRequest) -> HttpResponse:
    actions = list(EnforcementAction.objects.for_account(request.user).with_summary())
    today = timezone.localdate()
    return render(
        request,
        "enforcement/standing.html",
        {
            "actions": actions,
            "restricting": [a for a in actions if a.restricts_account()],
            "warnings_in_effect": [
                a for a in actions if a.is_restricting() and not a.restricts_account()
            ],
            "active_strikes": sum(a.active_strike_count(today) for a in actions),
        },
    )


SEARCH_MAX_LENGTH = 100


@cache_public
@public
@require_safe
def rule_list(request: HttpRequest) -> HttpResponse:
    """The catalogue, and "is this allowed?": `?q=` searches the titles, texts and examples of
    the versions in force, and says plainly when no published rule mentions the words."""
    now = timezone.now()
    query = " ".join(request.GET.get("q", "").split())[:SEARCH_MAX_LENGTH]
    rules = Rule.objects.filter(versions__published_at__isnull=False).distinct()
    # Ordered so that, should two versions share an effective date, the higher number wins.
    in_force = {
        v.rule_id: v
        for v in RuleVersion.objects.in_force_at(now)
        .select_related("rule")
        .prefetch_related("translations")
        .order_by("number")
    }
    pending: dict[int, RuleVersion] = {}
    pending_versions = RuleVersion.objects.pending_at(now).select_related("rule")
    for version in pending_versions.order_by("effective_from", "number"):
        pending.setdefault(version.rule_id, version)  # the next one to take effect
    matches = None
    if query:
        matches = [
            rule
            for rule in rules
            if rule.pk in in_force and _mentions(rule, in_force[rule.pk], query.split())
        ]
    return render(
        request,
        "enforcement/rule_list.html",
        {
            "rules": [
                (rule, in_force.get(rule.pk), pending.get(rule.pk))
                for rule in (rules if matches is None else matches)
            ],
            "query": query,
        },
    )


def _mentions(rule: Rule, version: RuleVersion, words: list[str]) -> bool:
    """The words are all in the rule's title, text or examples: the binding English, or its
    published translation into the reader's language (what the page shows them)."""
    texts = [rule.key, rule.title, version.text, version.examples]
    if translated := version.translation_in(translation.get_language()):
        texts += [translated.title, translated.text, translated.examples]
    haystack = " ".join(texts).casefold()
    return all(word.casefold() in haystack for word in words)


def _published_versions(rule: Rule) -> list[RuleVersion]:
    return list(rule.versions.published().order_by("-number"))


def _version_in_force(rule: Rule) -> RuleVersion | None:
    return rule.versions.in_force_at(timezone.now()).order_by("-number").first()


@cache_public
@public
@require_safe
def rule_detail(request: HttpRequest, key: str) -> HttpResponse:
    rule = get_object_or_404(Rule, key=key)
    versions = _published_versions(rule)
    if not versions:
        raise Http404("This rule has no published version.")
    in_force = _version_in_force(rule)
    return render(
        request,
        "enforcement/rule_detail.html",
        {
            "rule": rule,
            "versions": versions,
            "latest": versions[0],
            "in_force": in_force,
            # Whose title the page shows (translated where that version's translation is).
            "shown": in_force or versions[0],
            "now": timezone.now(),
        },
    )


@cache_public
@public
@require_safe
def rule_version(request: HttpRequest, key: str, number: int) -> HttpResponse:
    rule = get_object_or_404(Rule, key=key)
    versions = _published_versions(rule)
    by_number = {v.number: v for v in versions}
    version = by_number.get(number)
    if version is None:
        raise Http404("No such published version.")
    previous = by_number.get(number - 1)
    text_diff = word_diff(previous.text, version.text) if previous else None
    examples_diff = word_diff(previous.examples, version.examples) if previous else None
    return render(
        request,
        "enforcement/rule_version.html",
        {
            "rule": rule,
            "version": version,
            "previous": previous,
            "next": by_number.get(number + 1),
            "versions": versions,
            "in_force": _version_in_force(rule),
            "now": timezone.now(),
            "text_diff": text_diff,
            "text_changed": bool(text_diff) and has_changes(text_diff),
            "examples_diff": examples_diff,
            "examples_changed": bool(examples_diff) and has_changes(examples_diff),
        },
    )


@cache_public
@public
@require_safe
def rule_compare(request: HttpRequest, key: str) -> HttpResponse:
    """Any two published versions of a rule, word by word (`?from=1&to=3`)."""
    rule = get_object_or_404(Rule, key=key)
    versions = _published_versions(rule)
    if not versions:
        raise Http404("This rule has no published version.")
    by_number = {v.number: v for v in versions}
    error = ""
    try:
        old_number = int(request.GET.get("from", versions[-1].number))
        new_number = int(request.GET.get("to", versions[0].number))
    except ValueError:
        old_number, new_number = versions[-1].number, versions[0].number
        error = _("Choose versions.")
    old, new = by_number.get(old_number), by_number.get(new_number)
    if old is None or new is None:
        error = _("Choose two published versions of this rule.")
        old, new = versions[-1], versions[0]
    text_diff = word_diff(old.text, new.text)
    examples_diff = word_diff(old.examples, new.examples)
    return render(
        request,
        "enforcement/rule_compare.html",
        {
            "rule": rule,
            "versions": versions,
            "old": old,
            "new": new,
            "error": error,
            "text_diff": text_diff,
            "text_changed": has_changes(text_diff),
            "examples_diff": examples_diff,
            "examples_changed": has_changes(examples_diff),
        },
        status=400 if error else 200,
    )


@cache_public
@public
@require_safe
def redress(request: HttpRequest) -> HttpResponse:
    """Where to turn outside Recourse (DSA Art. 21 bodies, courts, the national coordinator)."""
    return render(request, "enforcement/redress.html")
