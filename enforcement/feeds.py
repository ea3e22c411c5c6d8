"""The public Atom feed of rule changes (/rules/feed/): one entry per published version.

It is in the reader's language (the switcher's cookie, else Accept-Language), like the pages:
titles and notes translated, the version's published translation where one exists, and always
the binding English text. The feed is public and may be cached; its responses vary on
Accept-Language and Cookie (`accounts.middleware.PrivateByDefaultMiddleware`)."""

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from enforcement.models import RuleVersion
from infra.dates import format_when

FEED_SIZE = 50


class RuleChangesFeed(Feed):
    feed_type = Atom1Feed
    link = reverse_lazy("enforcement:rule-list")
    cache_public = True  # nothing personal: caches may keep it (accounts.decorators)
    access = "public"  # deny-by-default: declared like every view (tests/test_access_declared.py)

    def title(self) -> str:
        return _("Recourse: changes to the marketplace rules")

    def subtitle(self) -> str:
        return _("Every published version of every rule, with what changed and when it applies.")

    def items(self) -> list[RuleVersion]:
        return list(
            RuleVersion.objects.published()
            .select_related("rule")
            .prefetch_related("translations")
            .order_by("-published_at", "-id")[:FEED_SIZE]
        )

    def item_title(self, item: RuleVersion) -> str:
        translated = item.translation_in(translation.get_language())
        return _("%(key)s %(title)s: version %(number)s") % {
            "key": item.rule.key,
            "title": translated.title if translated else item.rule.title,
            "number": item.number,
        }

    def item_description(self, item: RuleVersion) -> str:
        translated = item.translation_in(translation.get_language())
        summary = item.change_summary or (_("First version.") if item.number == 1 else "")
        narrows = " " + _("This change narrows the rule.") if item.narrows else ""
        applies = _("In force from %(since)s.") % {"since": format_when(item.effective_from, "UTC")}
        if translated:
            text = "\n\n".join(
                [
                    _(
                        "A translation for your convenience. "
                        "The English text below is the binding one."
                    ),
                    translated.text,
                    _("The binding text, in English:"),
                    item.text,
                ]
            )
        elif translation.get_language() != "en":
            text = "\n\n".join(
                [
                    _(
                        "This rule version has not been translated into your language. "
                        "The binding English text follows."
                    ),
                    item.text,
                ]
            )
        else:
            text = item.text
        return f"{summary}{narrows} {applies}\n\n{text}"

    def item_link(self, item: RuleVersion) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: RuleVersion):
        return item.published_at

    def item_updateddate(self, item: RuleVersion):
        return item.published_at
