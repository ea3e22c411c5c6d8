import json

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts.models import record_audit
from enforcement import export, services
from enforcement.diff import has_changes, word_diff
from enforcement.forms import ConfirmForm
from enforcement.models import (
    ActionEvent,
    ClientNotice,
    EnforcementAction,
    EvidenceItem,
    IntakeSource,
    ReasonCode,
    ReasonCodeTranslation,
    Rule,
    RuleVersion,
    RuleVersionTranslation,
)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RuleVersionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RuleVersion
    fields = ["number", "effective_from", "published_at", "change_summary"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["key", "title", "created_at"]
    search_fields = ["key", "title"]
    inlines = [RuleVersionInline]

    def get_readonly_fields(self, request, obj=None):
        # The key is cited by statements of reasons: stable once created.
        return ["key"] if obj else []


@admin.register(RuleVersion)
class RuleVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "rule", "number", "effective_from", "published_at"]
    list_filter = ["rule"]
    list_select_related = ["rule"]
    fields = [
        "rule",
        "text",
        "examples",
        "change_summary",
        "narrows",
        "effective_from",
        "number",
        "published_at",
        "published_by",
    ]
    readonly_fields = ["number", "published_at", "published_by"]
    actions = ["publish"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return self.fields
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        # View-only once published: a POST is then refused with 403 instead of reaching
        # RuleVersion.save(), which raises for published versions (a 500 before).
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def view_on_site(self, obj):
        # A draft has no number and no public page yet: no "View on site" (it was a 500).
        return obj.get_absolute_url() if obj.is_published else None

    def get_changeform_initial_data(self, request):
        """A new version starts from the text the rule has now (`?rule=<id>`), so an edit is
        a change of that text, not a rewrite from nothing."""
        initial = super().get_changeform_initial_data(request)
        rule_id = initial.get("rule")
        current = (
            RuleVersion.objects.published().filter(rule_id=rule_id).order_by("-number").first()
            if str(rule_id or "").isdigit()
            else None
        )
        if current is not None:
            initial.setdefault("text", current.text)
            initial.setdefault("examples", current.examples)
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            # The service creates the row; the admin's "Save and continue editing" and its
            # messages need that row's id on `obj` (it went to /ruleversion/None/change/).
            obj.pk = services.draft_rule_version(
                obj.rule,
                text=obj.text,
                examples=obj.examples,
                change_summary=obj.change_summary,
                narrows=obj.narrows,
                effective_from=obj.effective_from,
                drafted_by=request.user,
            ).pk
            return
        super().save_model(request, obj, form, change)

    @admin.action(description="Preview and publish selected drafts (they become immutable)")
    def publish(self, request, queryset):
        """First a preview of each draft with the public word diff against the version it
        replaces; publishing happens only when that page is posted back with its box ticked."""
        drafts = list(
            queryset.filter(published_at__isnull=True).select_related("rule").order_by("pk")
        )
        refusal = several_drafts_of_one_rule(drafts)
        if refusal:
            # Each draft is previewed against the version it replaces; a second draft of the
            # same rule would replace the first, which is not published yet, so neither its
            # number nor its diff could be shown truthfully. Nothing is published.
            self.message_user(request, refusal, messages.ERROR)
            return None
        form = ConfirmForm(
            request.POST if request.POST.get("post") == "yes" else None,
            label="I have checked what the public catalogue will show. Publish: the versions "
            "can never be changed afterwards.",
        )
        if drafts and form.is_valid():
            self._publish(request, drafts)
            return None  # back to the list, with one message per version
        context = {
            **self.admin_site.each_context(request),
            "title": "Preview and publish rule versions",
            "opts": self.model._meta,
            "previews": [publish_preview(version) for version in drafts],
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/enforcement/ruleversion/publish_preview.html", context
        )

    def _publish(self, request, drafts: list[RuleVersion]) -> None:
        for version in drafts:
            try:
                published = services.publish_rule_version(version, published_by=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{version}: {'; '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"Published {published}; {published.notified_count} freelancer(s) with an "
                    "action in force under this rule are being told.",
                    messages.SUCCESS,
                )


def several_drafts_of_one_rule(drafts: list[RuleVersion]) -> str:
    """The refusal to give when the selection holds more than one draft of a rule, else ""."""
    by_rule: dict[int, list[RuleVersion]] = {}
    for draft in drafts:
        by_rule.setdefault(draft.rule_id, []).append(draft)
    clashes = [versions for versions in by_rule.values() if len(versions) > 1]
    if not clashes:
        return ""
    named = "; ".join(
        f"{versions[0].rule.key}: {len(versions)} drafts (ids "
        + ", ".join(str(v.pk) for v in versions)
        + ")"
        for versions in clashes
    )
    return (
        f"Nothing was published: you selected several drafts of the same rule ({named}). "
        "Publish one draft of a rule at a time: each is previewed against the version it "
        "replaces and gets the next number, so preview the next draft once the first is published."
    )


def publish_preview(version: RuleVersion) -> dict:
    """What the public catalogue will show for a draft once published: its number and the word
    diff (the public page's `word_diff`) against the latest published version of its rule."""
    previous = (
        RuleVersion.objects.published().filter(rule_id=version.rule_id).order_by("-number").first()
    )
    preview = {
        "version": version,
        "previous": previous,
        "number": (previous.number + 1) if previous else 1,
    }
    if previous is not None:
        text_diff = word_diff(previous.text, version.text)
        examples_diff = word_diff(previous.examples, version.examples)
        preview |= {
            "text_diff": text_diff,
            "text_changed": has_changes(text_diff),
            "examples_diff": examples_diff,
            "examples_changed": has_changes(examples_diff),
        }
    return preview


class ReasonCodeTranslationInline(admin.StackedInline):
    model = ReasonCodeTranslation
    fields = ["reason_code", "title", "explanation", "what_you_can_do"]
    extra = 1

    def has_add_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_published


@admin.register(RuleVersionTranslation)
class RuleVersionTranslationAdmin(admin.ModelAdmin):
    """Translations of published rule versions (and of their rule's reason codes). Drafted and
    corrected here, then published: from then on the database refuses any change."""

    list_display = ["__str__", "version", "language", "published_at"]
    list_filter = ["language"]
    list_select_related = ["version__rule"]
    fields = ["version", "language", "title", "text", "examples", "published_at", "published_by"]
    readonly_fields = ["published_at", "published_by"]
    inlines = [ReasonCodeTranslationInline]
    actions = ["publish"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "version":
            kwargs["queryset"] = RuleVersion.objects.published().select_related("rule")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record_audit(
            actor=request.user,
            verb="rule_version_translation.changed"
            if change
            else "rule_version_translation.drafted",
            obj=obj,
            summary=str(obj),
        )

    @admin.action(description="Publish selected translations (they become immutable)")
    def publish(self, request, queryset):
        for translation in queryset.filter(published_at__isnull=True):
            try:
                services.publish_rule_translation(translation, published_by=request.user)
            except ValidationError as exc:
                self.message_user(
                    request, f"{translation}: {'; '.join(exc.messages)}", messages.ERROR
                )
            else:
                self.message_user(request, f"Published {translation}.", messages.SUCCESS)


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "rule", "category", "is_active"]
    list_filter = ["category", "is_active"]
    list_select_related = ["rule"]
    search_fields = ["code", "title"]


class EvidenceInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = EvidenceItem
    extra = 0


class ClientNoticeInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = ClientNotice
    extra = 0


class ActionEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ActionEvent
    extra = 0


@admin.register(EnforcementAction)
class EnforcementActionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Staff read actions here; they are issued through the enforcement service only."""

    list_display = ["pk", "account", "restriction_type", "status", "reason_code", "starts_at"]
    list_filter = ["restriction_type", "status", "automated_decision", "source_type"]
    list_select_related = ["account", "reason_code"]
    search_fields = ["account__email", "puid"]
    inlines = [EvidenceInline, ClientNoticeInline, ActionEventInline]
    actions = ["export_statements"]

    @admin.action(description="Export selected as a Transparency Database batch (JSON, ≤ 100)")
    def export_statements(self, request, queryset):
        """One batch file, the body the database's batch endpoint takes; nothing personal."""
        if queryset.count() > export.BATCH_SIZE:
            self.message_user(
                request,
                f"Select at most {export.BATCH_SIZE} actions: the database takes batches of "
                f"{export.BATCH_SIZE}. Use `manage.py export_statements` for more.",
                messages.ERROR,
            )
            return None
        chosen = EnforcementAction.objects.filter(pk__in=queryset.values("pk"))
        statements = [item for batch in export.batches(chosen) for item in batch]
        invalid = [f"{i['puid']}: {p}" for i in statements for p in export.problems(i)]
        if invalid:
            self.message_user(
                request, "Not exported, invalid statements: " + "; ".join(invalid), messages.ERROR
            )
            return None
        for action in chosen.only("pk"):
            record_audit(
                actor=request.user,
                verb="statement.exported",
                obj=action,
                summary=f"Exported in a Transparency Database batch of {len(statements)}.",
            )
        response = HttpResponse(
            json.dumps({"statements": statements}, ensure_ascii=False, indent=1),
            content_type="application/json",
        )
        name = f"statements-{timezone.now():%Y%m%d-%H%M%S}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


# --- Intake sources (detection systems using the API) --------------------------------------------


@admin.register(IntakeSource)
class IntakeSourceAdmin(admin.ModelAdmin):
    """Admins create a source for each detection system; its bearer token is shown once, in the
    message after saving (only a hash is stored), and afterwards only its first characters.
    A leaked or retired token is revoked here (the API then answers 401), or replaced."""

    list_display = ["name", "token_hint", "created_at", "created_by", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["created_by"]
    search_fields = ["name", "token_hint"]
    actions = ["revoke", "issue_new_token"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name"]
        return ["name", "token_hint", "created_at", "created_by", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        # A source's name is what its actions' audit trail names: fixed once created.
        return [] if obj is None else self.get_fields(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Actions keep referring to the source that sent them; revoke it instead.
        return False

    def save_model(self, request, obj: IntakeSource, form, change) -> None:
        if change:
            return  # nothing is editable once created
        token = services.create_intake_source(obj, by=request.user)
        self._show_token_once(request, obj, token)

    def _show_token_once(self, request, source: IntakeSource, token: str) -> None:
        self.message_user(
            request,
            f"API token of “{source}”: {token} — copy it to the detection system now; it will "
            "not be shown again. Send it as “Authorization: Bearer <token>”.",
            level=messages.WARNING,
        )

    @admin.action(
        description="Revoke selected sources (their tokens stop working)", permissions=["change"]
    )
    def revoke(self, request, queryset) -> None:
        revoked = [
            source.name
            for source in queryset.filter(revoked_at__isnull=True)
            if services.revoke_intake_source(source, by=request.user)
        ]
        if revoked:
            self.message_user(request, f"Revoked: {', '.join(revoked)}.", messages.SUCCESS)
        else:
            self.message_user(request, "The selected sources were already revoked.", messages.INFO)

    @admin.action(
        description="Issue a new token for selected sources (the old one stops working)",
        permissions=["change"],
    )
    def issue_new_token(self, request, queryset) -> None:
        for source in queryset:
            if not source.is_active:
                self.message_user(
                    request,
                    f"“{source}” is revoked; create a new source instead.",
                    messages.ERROR,
                )
                continue
            token = services.replace_intake_token(source, by=request.user)
            self._show_token_once(request, source, token)
