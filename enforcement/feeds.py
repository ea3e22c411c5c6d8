"""The public Atom feed of rule changes (/rules/feed/): one entry per published version."""

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from enforcement.models import RuleVersion
from infra.dates import format_when

FEED_SIZE = 50


class RuleChangesFeed(Feed):
    feed_type = Atom1Feed
    title = "Recourse: changes to the marketplace rules"
    subtitle = "Every published version of every rule, with what changed and when it applies."
    link = reverse_lazy("enforcement:rule-list")
    cache_public = True  # nothing personal: caches may keep it (accounts.decorators)
    access = "public"  # deny-by-default: declared like every view (tests/test_access_declared.py)

    def items(self) -> list[RuleVersion]:
        return list(
            RuleVersion.objects.published()
            .select_related("rule")
            .order_by("-published_at", "-id")[:FEED_SIZE]
        )

    def item_title(self, item: RuleVersion) -> str:
        return f"{item.rule.key} {item.rule.title}: version {item.number}"

    def item_description(self, item: RuleVersion) -> str:
        summary = item.change_summary or ("First version." if item.number == 1 else "")
        applies = f"In force from {format_when(item.effective_from, 'UTC')}."
        narrows = " This change narrows the rule." if item.narrows else ""
        return f"{summary}{narrows} {applies}\n\n{item.text}"

    def item_link(self, item: RuleVersion) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: RuleVersion):
        return item.published_at

    def item_updateddate(self, item: RuleVersion):
        return item.published_at
