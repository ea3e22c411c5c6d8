from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.decorators import freelancer_required, public
from enforcement.diff import word_diff
from enforcement.models import EnforcementAction, Rule, RuleVersion


def _get_action_for_freelancer(request: HttpRequest, pk: int) -> EnforcementAction:
    """The freelancer's own action, or 404 — never a hint that someone else's exists."""
    return get_object_or_404(
        EnforcementAction.objects.for_account(request.user).with_statement(), pk=pk
    )


@freelancer_required
def standing(request: HttpRequest) -> HttpResponse:
    actions = list(EnforcementAction.objects.for_account(request.user).with_summary())
    restricting = [a for a in actions if a.is_restricting()]
    return render(
        request,
        "enforcement/standing.html",
        {"actions": actions, "restricting": restricting},
    )


@freelancer_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = _get_action_for_freelancer(request, pk)
    return render(
        request,
        "enforcement/case_detail.html",
        {"action": action, "version": action.primary_version()},
    )


@public
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = Rule.objects.filter(versions__published_at__isnull=False).distinct()
    current = {v.rule_id: v for v in RuleVersion.objects.published().order_by("rule_id", "number")}
    return render(
        request,
        "enforcement/rule_list.html",
        {"rules": [(rule, current.get(rule.pk)) for rule in rules]},
    )


def _published_versions(rule: Rule) -> list[RuleVersion]:
    return list(rule.versions.published().order_by("-number"))


@public
def rule_detail(request: HttpRequest, key: str) -> HttpResponse:
    rule = get_object_or_404(Rule, key=key)
    versions = _published_versions(rule)
    if not versions:
        raise Http404("This rule has no published version.")
    return render(
        request,
        "enforcement/rule_detail.html",
        {"rule": rule, "versions": versions, "latest": versions[0]},
    )


@public
def rule_version(request: HttpRequest, key: str, number: int) -> HttpResponse:
    rule = get_object_or_404(Rule, key=key)
    versions = _published_versions(rule)
    by_number = {v.number: v for v in versions}
    version = by_number.get(number)
    if version is None:
        raise Http404("No such published version.")
    previous = by_number.get(number - 1)
    return render(
        request,
        "enforcement/rule_version.html",
        {
            "rule": rule,
            "version": version,
            "previous": previous,
            "next": by_number.get(number + 1),
            "versions": versions,
            "text_diff": word_diff(previous.text, version.text) if previous else None,
            "examples_diff": word_diff(previous.examples, version.examples) if previous else None,
        },
    )
