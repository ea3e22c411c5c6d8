"""The staff issuing form: it validates and converts what staff type; `issue_action` decides.

The form checks types, lengths and that the account exists. Everything a statement of reasons
must satisfy (a version in force at the start, a reason code of the cited rule, facts, evidence,
a decision field, end dates per restriction type...) is checked by `services.issue_action`, whose
refusal `apply_refusal` maps back onto these fields and formset rows.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from enforcement.choices import (
    EEA_COUNTRIES,
    AutomatedDecision,
    ContentType,
    DecisionAccount,
    DecisionGround,
    DecisionMonetary,
    DecisionProvision,
    DecisionVisibility,
    SourceType,
)
from enforcement.models import (
    Capability,
    ClientNotice,
    EnforcementAction,
    EvidenceItem,
    ReasonCode,
    RuleVersion,
)
from enforcement.services import ActionRequest, ClientNoticeInput, EvidenceInput

Type = EnforcementAction.RestrictionType

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"

# What each restriction usually means in the DSA's terms; the form's script fills these in when
# the restriction type changes (staff can change them). A warning restricts nothing by itself.
DECISION_DEFAULTS: dict[str, dict[str, object]] = {
    Type.WARNING: {"restricted_capabilities": []},
    Type.FEATURE_RESTRICTION: {
        "decision_provision": DecisionProvision.PARTIAL_SUSPENSION,
        "restricted_capabilities": [],
    },
    Type.TEMPORARY_SUSPENSION: {
        "decision_provision": DecisionProvision.TOTAL_SUSPENSION,
        "decision_account": DecisionAccount.SUSPENDED,
        "restricted_capabilities": [
            Capability.PROPOSALS,
            Capability.MESSAGING,
            Capability.PROFILE_VISIBILITY,
        ],
    },
    Type.PERMANENT_TERMINATION: {
        "decision_provision": DecisionProvision.TOTAL_TERMINATION,
        "decision_account": DecisionAccount.TERMINATED,
        "restricted_capabilities": list(Capability.values),
    },
    Type.PAYOUT_HOLD: {
        "decision_monetary": DecisionMonetary.SUSPENSION,
        "restricted_capabilities": [Capability.PAYOUTS],
    },
}


def _blank(label: str) -> list[tuple[str, str]]:
    return [("", label)]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=DATETIME_LOCAL)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class _Bounded:
    """Dates far outside any real action (year 9999) would overflow the service's date
    arithmetic; refuse them here as bad input."""

    def validate(self, value) -> None:
        super().validate(value)
        if value and not (2000 <= value.year <= 2100):
            raise ValidationError("Enter a date between the years 2000 and 2100.", code="range")


class BoundedDateTimeField(_Bounded, forms.DateTimeField):
    pass


class BoundedDateField(_Bounded, forms.DateField):
    pass


class RuleAwareSelect(forms.Select):
    """A select whose options say which rule they belong to (`data-rule`), for the script that
    ticks the rule of the chosen reason code."""

    def __init__(self, *args, rule_of: dict[str, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule_of = rule_of or {}

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        rule = self.rule_of.get(str(value))
        if rule is not None:
            option["attrs"]["data-rule"] = str(rule)
        return option


class RuleAwareCheckboxes(forms.CheckboxSelectMultiple):
    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-rule"] = str(instance.rule_id)
        return option


class CitedVersionsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, version: RuleVersion) -> str:
        since = timezone.localtime(version.effective_from)
        return (
            f"{version.rule.key} {version.rule.title}, version {version.number} "
            f"(in force since {since:%d %b %Y})"
        )


class IssueActionForm(forms.Form):
    """One enforcement action with its statement of reasons (evidence and client notices are
    the formsets below)."""

    account = forms.CharField(
        label="Freelancer account",
        max_length=254,
        help_text="Their marketplace id (for example ~01c7e4a9b2f35d6e80) or email address.",
    )
    restriction_type = forms.ChoiceField(
        label="Restriction",
        choices=_blank("Choose the restriction") + list(Type.choices),
    )
    starts_at = BoundedDateTimeField(
        label="Starts",
        widget=DateTimeLocalInput(),
        help_text="In your time zone. A permanent termination is only proposed at first.",
    )
    ends_at = BoundedDateTimeField(
        label="Ends (optional)",
        required=False,
        widget=DateTimeLocalInput(),
        help_text="A temporary suspension needs an end; a permanent termination has none.",
    )
    late_notice_reason = forms.CharField(
        label="Why the freelancer is told only now (if it started earlier)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when the start is more than a short tolerance before now; the "
        "freelancer is shown both dates and this reason.",
    )
    restricted_capabilities = forms.MultipleChoiceField(
        label="What the freelancer cannot do while it is in effect",
        choices=Capability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    territorial_scope = forms.CharField(
        label="Countries (optional)",
        required=False,
        max_length=200,
        help_text="EU/EEA country codes separated by commas, such as DE, FR. Empty: everywhere.",
    )
    cited_versions = CitedVersionsField(
        label="Rule version relied on",
        queryset=RuleVersion.objects.none(),
        widget=RuleAwareCheckboxes,
        help_text="Only published versions in force now (or at the start you chose) are listed.",
        error_messages={"required": "Cite the rule version the action relies on."},
    )
    reason_code = forms.ChoiceField(
        label="Reason code",
        widget=RuleAwareSelect,
        help_text="Active codes, grouped by their rule. It must belong to a rule you cite.",
    )
    facts = forms.CharField(
        label="Facts and circumstances",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Written for the freelancer: what happened, when, and what the decision "
        "relies on. Up to 5,000 characters.",
    )
    decision_visibility = forms.MultipleChoiceField(
        label="Visibility of their content",
        choices=DecisionVisibility.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    decision_visibility_other = forms.CharField(
        label="Other visibility restriction (describe)", required=False, max_length=500
    )
    decision_monetary = forms.ChoiceField(
        label="Payments",
        choices=_blank("Not restricted") + list(DecisionMonetary.choices),
        required=False,
    )
    decision_monetary_other = forms.CharField(
        label="Other monetary restriction (describe)", required=False, max_length=500
    )
    decision_provision = forms.ChoiceField(
        label="Use of the marketplace",
        choices=_blank("Not suspended or terminated") + list(DecisionProvision.choices),
        required=False,
    )
    decision_account = forms.ChoiceField(
        label="Account",
        choices=_blank("Not suspended or terminated") + list(DecisionAccount.choices),
        required=False,
    )
    automated_detection = forms.TypedChoiceField(
        label="Was it detected by an automated system?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    automated_decision = forms.ChoiceField(
        label="How was it decided?",
        # Staff decide here: a fully automated decision only comes from a detection system.
        choices=[
            (AutomatedDecision.NOT_AUTOMATED, "By me, without automation"),
            (AutomatedDecision.PARTIALLY, "Partly automated, and reviewed by me"),
        ],
        initial=AutomatedDecision.NOT_AUTOMATED,
        widget=forms.RadioSelect,
    )
    source_type = forms.ChoiceField(
        label="How it came to our attention",
        choices=_blank("Choose the source") + list(SourceType.choices),
    )
    source_identity = forms.CharField(
        label="Who notified us (not for our own initiative)",
        required=False,
        max_length=500,
        help_text="For example the trusted flagger's name. Published: no e-mail address.",
    )
    decision_ground = forms.ChoiceField(
        label="Ground of the decision",
        choices=DecisionGround.choices,
        initial=DecisionGround.INCOMPATIBLE_CONTENT,
    )
    illegal_content_legal_ground = forms.CharField(
        label="Law relied on (illegal content only)",
        required=False,
        max_length=500,
    )
    illegal_content_explanation = forms.CharField(
        label="Why the content is illegal under it (illegal content only)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    content_type = forms.MultipleChoiceField(
        label="Content concerned",
        choices=ContentType.choices,
        initial=[ContentType.OTHER],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one kind of content."},
    )
    funds_held_amount = forms.DecimalField(
        label="Amount held",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="Empty or 0: no money is held.",
    )
    funds_currency = forms.CharField(
        label="Currency",
        required=False,
        max_length=3,
        help_text="ISO code, such as EUR.",
    )
    funds_release_condition = forms.CharField(
        label="When and how the money is released",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    funds_release_on = BoundedDateField(
        label="Release date (optional)", required=False, widget=DateInput()
    )
    strike_count = forms.IntegerField(
        label="Strikes", required=False, min_value=0, max_value=10, initial=0
    )
    strikes_expire_on = BoundedDateField(
        label="Strikes stop counting on", required=False, widget=DateInput()
    )
    termination_exception = forms.ChoiceField(
        label="Exception to the notice period",
        choices=_blank("None: the notice period applies")
        + list(EnforcementAction.TerminationException.choices),
        required=False,
        help_text="Permanent terminations only. Without an exception, the termination cannot "
        "take effect before the end of the notice period.",
    )
    termination_exception_reason = forms.CharField(
        label="Why the exception applies",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The freelancer is shown this reason.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = list(
            ReasonCode.objects.filter(is_active=True)
            .select_related("rule")
            .order_by("rule__key", "code")
        )
        self.reason_codes = {str(code.pk): code for code in codes}
        groups: dict[str, list[tuple[str, str]]] = {}
        for code in codes:
            groups.setdefault(f"{code.rule.key} {code.rule.title}", []).append(
                (str(code.pk), f"{code.title} ({code.code})")
            )
        field = self.fields["reason_code"]
        field.widget.rule_of = {str(code.pk): code.rule_id for code in codes}
        field.choices = _blank("Choose a reason code") + list(groups.items())
        self.fields["cited_versions"].queryset = self._versions_offered()
        if not self.is_bound:
            self.fields["starts_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def _versions_offered(self):
        """Published versions in force now, and those in force at the chosen start."""
        moments = [timezone.now()]
        start = self._raw_start()
        if start is not None:
            moments.append(start)
        query = Q()
        for moment in moments:
            query |= Q(pk__in=RuleVersion.objects.in_force_at(moment).values("pk"))
        return RuleVersion.objects.filter(query).select_related("rule").order_by("rule__key")

    def _raw_start(self) -> datetime | None:
        if not self.is_bound:
            return None
        try:
            return self.fields["starts_at"].clean(self["starts_at"].data)
        except ValidationError:
            return None

    def clean_account(self) -> User:
        value = self.cleaned_data["account"].strip()
        account = (
            User.objects.filter(groups__name=Role.FREELANCER)
            .filter(Q(marketplace_id=value) | Q(email=value.lower()))
            .first()
        )
        if account is None:
            raise ValidationError(
                "No freelancer account has this marketplace id or email address.",
                code="unknown_account",
            )
        return account

    def clean_reason_code(self) -> ReasonCode:
        return self.reason_codes[self.cleaned_data["reason_code"]]

    def clean_territorial_scope(self) -> list[str]:
        codes = [
            part.strip().upper()
            for part in self.cleaned_data["territorial_scope"].replace(";", ",").split(",")
            if part.strip()
        ]
        unknown = [code for code in codes if code not in EEA_COUNTRIES]
        if unknown:
            raise ValidationError(
                "Not an EU/EEA country code: %(codes)s.", params={"codes": ", ".join(unknown)}
            )
        return list(dict.fromkeys(codes))

    def clean_funds_currency(self) -> str:
        return self.cleaned_data["funds_currency"].strip().upper()


class EvidenceForm(forms.Form):
    signal_category = forms.ChoiceField(
        label="Kind of signal",
        choices=_blank("Choose the kind") + list(EvidenceItem.SignalCategory.choices),
    )
    observed_at = BoundedDateTimeField(
        label="Observed (optional)", required=False, widget=DateTimeLocalInput()
    )
    summary = forms.CharField(
        label="Summary the freelancer sees",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    internal_detail = forms.CharField(
        label="Internal detail (staff only, never shown to the freelancer)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    redaction = forms.ChoiceField(
        label="Shown to the freelancer",
        choices=EvidenceItem.Redaction.choices,
        initial=EvidenceItem.Redaction.NONE,
    )
    redaction_reason = forms.CharField(
        label="Why it is withheld (the freelancer sees this)",
        required=False,
        max_length=1000,
    )

    def to_input(self) -> EvidenceInput:
        data = self.cleaned_data
        return EvidenceInput(
            signal_category=data["signal_category"],
            summary=data["summary"],
            internal_detail=data["internal_detail"],
            redaction=data["redaction"],
            redaction_reason=data["redaction_reason"],
            observed_at=data["observed_at"],
        )


class ClientNoticeForm(forms.Form):
    client_name = forms.CharField(
        label="Client", max_length=ClientNotice._meta.get_field("client_name").max_length
    )
    client_reference = forms.CharField(
        label="Client reference (optional)",
        required=False,
        max_length=ClientNotice._meta.get_field("client_reference").max_length,
    )
    contract_reference = forms.CharField(
        label="Contract reference (optional)",
        required=False,
        max_length=ClientNotice._meta.get_field("contract_reference").max_length,
    )
    text = forms.CharField(
        label="Exact text the client was shown",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    shown_at = BoundedDateTimeField(label="Shown at", widget=DateTimeLocalInput())

    def to_input(self) -> ClientNoticeInput:
        data = self.cleaned_data
        return ClientNoticeInput(
            client_name=data["client_name"],
            client_reference=data["client_reference"],
            contract_reference=data["contract_reference"],
            text=data["text"],
            shown_at=data["shown_at"],
        )


class _RowsFormSet(forms.BaseFormSet):
    """Rows that are left empty are ignored; rows ticked for removal too."""

    remove_label = "Remove this row"

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = self.remove_label

    def kept_forms(self) -> list[forms.Form]:
        """The rows that make the request, in order (valid formset only)."""
        return [
            form
            for form in self.forms
            if form.has_changed() and not self._should_delete_form(form) and form.cleaned_data
        ]


class _EvidenceFormSet(_RowsFormSet):
    remove_label = "Remove this evidence item"
    default_error_messages = {
        "too_few_forms": "Give at least one evidence item with a summary the freelancer sees.",
        "too_many_forms": "At most %(num)d evidence items.",
    }


class _ClientNoticeFormSet(_RowsFormSet):
    remove_label = "Remove this client notice"
    default_error_messages = {"too_many_forms": "At most %(num)d client notices."}


EvidenceFormSet = forms.formset_factory(
    EvidenceForm,
    formset=_EvidenceFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=30,
    validate_max=True,
    can_delete=True,
)
ClientNoticeFormSet = forms.formset_factory(
    ClientNoticeForm,
    formset=_ClientNoticeFormSet,
    extra=0,
    max_num=30,
    validate_max=True,
    can_delete=True,
)


class IssueActionForms:
    """The form and its two formsets, bound to one POST (or blank), handled as one."""

    def __init__(self, data=None):
        self.form = IssueActionForm(data)
        self.evidence = EvidenceFormSet(data, prefix="evidence")
        self.notices = ClientNoticeFormSet(data, prefix="notices")
        # Errors of the decision fields as a group (the service's "decision" key).
        self.decision_errors: list[str] = []
        self._evidence_rows: list[forms.Form] = []
        self._notice_rows: list[forms.Form] = []

    def is_valid(self) -> bool:
        # Every part is validated, so that all the errors show at once.
        return all([self.form.is_valid(), self.evidence.is_valid(), self.notices.is_valid()])

    def has_errors(self) -> bool:
        return bool(
            self.form.errors
            or self.evidence.total_error_count()
            or self.notices.total_error_count()
        )

    def hide_errors(self) -> None:
        """For a re-display that is not a submission (a row added): show no error yet."""
        self.form.errors.clear()
        for formset in (self.evidence, self.notices):
            formset.non_form_errors().clear()
            for form in formset.forms:
                form.errors.clear()

    def to_request(self) -> ActionRequest:
        data = self.form.cleaned_data
        self._evidence_rows = self.evidence.kept_forms()
        self._notice_rows = self.notices.kept_forms()
        return ActionRequest(
            account=data["account"],
            restriction_type=data["restriction_type"],
            reason_code=data["reason_code"],
            cited_versions=list(data["cited_versions"]),
            facts=data["facts"],
            source_type=data["source_type"],
            source_identity=data["source_identity"],
            decision_ground=data["decision_ground"],
            illegal_content_legal_ground=data["illegal_content_legal_ground"],
            illegal_content_explanation=data["illegal_content_explanation"],
            automated_detection=data["automated_detection"],
            automated_decision=data["automated_decision"],
            evidence=[form.to_input() for form in self._evidence_rows],
            client_notices=[form.to_input() for form in self._notice_rows],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            restricted_capabilities=data["restricted_capabilities"],
            decision_visibility=data["decision_visibility"],
            decision_visibility_other=data["decision_visibility_other"],
            decision_monetary=data["decision_monetary"],
            decision_monetary_other=data["decision_monetary_other"],
            decision_provision=data["decision_provision"],
            decision_account=data["decision_account"],
            content_type=data["content_type"],
            territorial_scope=data["territorial_scope"],
            funds_held_amount=data["funds_held_amount"] or Decimal("0"),
            funds_currency=data["funds_currency"],
            funds_release_condition=data["funds_release_condition"],
            funds_release_on=data["funds_release_on"],
            strike_count=data["strike_count"] or 0,
            strikes_expire_on=data["strikes_expire_on"],
            termination_exception=data["termination_exception"],
            termination_exception_reason=data["termination_exception_reason"],
            late_notice_reason=data["late_notice_reason"],
        )

    def apply_refusal(self, exc: ValidationError) -> None:
        """Put the service's reasons on the fields and rows they are about."""
        if not hasattr(exc, "error_dict"):
            self.form.add_error(None, exc.messages)
            return
        for key, messages in exc.message_dict.items():
            self._apply(key, messages)

    def _apply(self, key: str, messages: list[str]) -> None:
        head, _sep, rest = key.partition(".")
        if head in ("evidence", "client_notices"):
            formset, rows = (
                (self.evidence, self._evidence_rows)
                if head == "evidence"
                else (self.notices, self._notice_rows)
            )
            index, _sep, field = rest.partition(".")
            if not index.isdigit() or int(index) >= len(rows):
                formset.non_form_errors().extend(messages)
                return
            form = rows[int(index)]
            form.add_error(field if field in form.fields else None, messages)
            return
        if key == "decision":
            # No single field: the four decision fields are one group on the page.
            self.decision_errors = messages
            self.form.add_error(None, messages)
            return
        self.form.add_error(key if key in self.form.fields else None, messages)


def confirmation_field(label) -> forms.BooleanField:
    """A required tick box in front of a step that cannot be undone.

    It works without JavaScript: the browser will not submit the form while the box is unticked
    (`required`), and the view refuses the step again when the box was not sent, re-rendering the
    form with this error beside the box and everything else the person typed.
    """
    return forms.BooleanField(
        label=label,
        required=True,
        error_messages={"required": _("Tick this box to confirm: this step cannot be undone.")},
    )


class ConfirmForm(forms.Form):
    """Only the confirmation of an irreversible step (approve a decision, confirm a termination)."""

    confirm = confirmation_field("I confirm. I understand this cannot be undone.")

    def __init__(self, *args, label: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["confirm"].label = label


class WithdrawTerminationForm(forms.Form):
    reason = forms.CharField(
        label="Why withdraw it?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded on the action's timeline, which the freelancer reads.",
    )
    confirm = confirmation_field(
        "I confirm the withdrawal. The termination can then never take effect."
    )


class LeadReviewForm(forms.Form):
    reason = forms.CharField(
        label="What did you review, and why may a termination be proposed?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Staff only (audit log). The freelancer sees the termination's own statement.",
    )
