"""Request and response bodies of the intake API.

Every enumerated field takes the values of the model's choices (the OpenAPI document lists
them), every string is bounded by its column's length, and every value must be storable as sent:
PostgreSQL text cannot hold NUL characters and UTF-8 cannot hold lone surrogates, so those are
refused here (422) instead of failing in the database (500).

Values are normalised while they are validated (times to UTC, amounts to cents, emails to lower
case), so two requests that mean the same thing have the same fingerprint.
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from django.conf import settings
from ninja import Field, Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    StrictBool,
    WithJsonSchema,
)

from accounts.models import Badge
from appeals.models import Appeal
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
from enforcement.models import Capability, EnforcementAction, EvidenceItem

# Times and dates outside these years are refused: no real action lies there, and dates near the
# ends of Python's range overflow when the notice period or appeal window is added.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def _one_of(choices) -> Any:
    """`Literal` of a TextChoices' values: the OpenAPI document then lists them as an enum."""
    return Literal[tuple(choices.values)]


RestrictionType = _one_of(EnforcementAction.RestrictionType)
ActionStatus = _one_of(EnforcementAction.Status)
TerminationExceptionKind = _one_of(EnforcementAction.TerminationException)
CapabilityValue = _one_of(Capability)
VisibilityValue = _one_of(DecisionVisibility)
MonetaryValue = _one_of(DecisionMonetary)
ProvisionValue = _one_of(DecisionProvision)
AccountDecisionValue = _one_of(DecisionAccount)
ContentTypeValue = _one_of(ContentType)
SourceTypeValue = _one_of(SourceType)
DecisionGroundValue = _one_of(DecisionGround)
AutomatedDecisionValue = _one_of(AutomatedDecision)
SignalCategoryValue = _one_of(EvidenceItem.SignalCategory)
RedactionValue = _one_of(EvidenceItem.Redaction)
CountryValue = Literal[tuple(EEA_COUNTRIES)]
AppealStatus = _one_of(Appeal.Status)
AppealOutcome = _one_of(Appeal.Outcome)


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("Text cannot contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("Text must be valid Unicode (no lone surrogates).") from None
    return value


def _json_string(value: Any) -> Any:
    # Dates travel as ISO 8601 strings; numbers (Unix times) are refused instead of guessed at.
    if not isinstance(value, str):
        raise ValueError("Give an ISO 8601 string.")
    return value


def _utc_in_range(value: datetime) -> datetime:
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"Use a time between {EARLIEST_YEAR} and {LATEST_YEAR}.") from None
    if not EARLIEST_YEAR <= value.year < LATEST_YEAR:
        raise ValueError(f"Use a time between {EARLIEST_YEAR} and {LATEST_YEAR}.")
    return value


def _day_in_range(value: date) -> date:
    if not EARLIEST_YEAR <= value.year < LATEST_YEAR:
        raise ValueError(f"Use a date between {EARLIEST_YEAR} and {LATEST_YEAR}.")
    return value


AMOUNT_PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"


def _amount_as_sent(value: Any) -> Any:
    # A JSON number, or a string of digits with at most two decimals ("1240.50"); no booleans,
    # exponents or spaces, which Decimal would otherwise read.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError('Give the amount as a number or a string such as "1240.50".')
    if isinstance(value, str) and not re.fullmatch(AMOUNT_PATTERN, value):
        raise ValueError('Give the amount as a string such as "1240.50" (two decimals at most).')
    return value


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


Amount = Annotated[
    Decimal,
    Field(gt=0, max_digits=12, decimal_places=2, allow_inf_nan=False),
    BeforeValidator(_amount_as_sent),
    AfterValidator(_cents),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": 9999999999.99},
                {"type": "string", "pattern": AMOUNT_PATTERN},
            ],
            "description": "Greater than 0, at most two decimals.",
        }
    ),
]


def Text(max_length: int, *, min_length: int = 0, **kwargs) -> Any:  # noqa: N802
    """A string that fits its column and can be stored as sent."""
    return Annotated[
        str,
        Field(min_length=min_length, max_length=max_length, **kwargs),
        AfterValidator(_storable),
    ]


Timestamp = Annotated[AwareDatetime, BeforeValidator(_json_string), AfterValidator(_utc_in_range)]
Day = Annotated[date, BeforeValidator(_json_string), AfterValidator(_day_in_range)]


class StrictSchema(Schema):
    # An unknown field is an error, not silently dropped: a misspelt optional field would
    # otherwise change the statement without anyone noticing.
    model_config = ConfigDict(extra="forbid")


class RuleCitationIn(StrictSchema):
    rule: Text(32, min_length=1, description="The rule's key, e.g. TOS-4.2.")
    version: int = Field(
        ge=1,
        le=32767,
        strict=True,
        description="A published version number, in force when the action starts.",
    )


class EvidenceIn(StrictSchema):
    signal_category: SignalCategoryValue
    summary: Text(2000, min_length=1, description="What the freelancer is shown.")
    internal_detail: Text(5000, description="Staff only; never shown to the freelancer.") = ""
    redaction: RedactionValue = "none"
    redaction_reason: Text(
        2000, description="Required unless redaction is none; shown to the freelancer."
    ) = ""
    observed_at: Timestamp | None = None


class ClientNoticeIn(StrictSchema):
    client_name: Text(200, min_length=1)
    text: Text(5000, min_length=1, description="The exact text the client was shown.")
    shown_at: Timestamp
    client_reference: Text(64) = ""
    contract_reference: Text(64) = ""


class FundsHeldIn(StrictSchema):
    amount: Amount
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. EUR.")
    release_condition: Text(2000, min_length=1, description="When and how they are released.")
    release_on: Day | None = None


class StrikesIn(StrictSchema):
    count: int = Field(ge=1, le=32767, strict=True)
    expire_on: Day


class TerminationExceptionIn(StrictSchema):
    kind: TerminationExceptionKind
    reason: Text(2000, min_length=1, description="Why it applies; the freelancer sees it.")


def _lower(value: str | None) -> str | None:
    return value.lower() if value is not None else None


class ActionIn(StrictSchema):
    """Everything the freelancer's statement of reasons needs."""

    external_id: Text(200, min_length=1, description="Your id for this action; a retry reuses it.")
    account: Text(64, min_length=1, description="The marketplace's id of the freelancer.")
    restriction_type: RestrictionType
    restricted_capabilities: list[CapabilityValue] = Field(default=[], max_length=5)
    decision_visibility: list[VisibilityValue] = Field(default=[], max_length=7)
    decision_visibility_other: Text(500) = ""
    decision_monetary: MonetaryValue | None = None
    decision_monetary_other: Text(500) = ""
    decision_provision: ProvisionValue | None = None
    decision_account: AccountDecisionValue | None = None
    rules: list[RuleCitationIn] = Field(
        min_length=1, max_length=10, description="The rule versions relied on."
    )
    reason_code: Text(64, min_length=1, description="A reason code of a cited rule.")
    facts: Text(5000, min_length=1, description="The facts and circumstances relied on.")
    evidence: list[EvidenceIn] = Field(min_length=1, max_length=50)
    source_type: SourceTypeValue
    source_identity: Text(
        500,
        description="Who notified you (e.g. a trusted flagger's name); published, so no e-mail "
        "address. Not allowed with SOURCE_VOLUNTARY.",
    ) = ""
    decision_ground: DecisionGroundValue = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    illegal_content_legal_ground: Text(
        500, description="Required with DECISION_GROUND_ILLEGAL_CONTENT: the law relied on."
    ) = ""
    illegal_content_explanation: Text(
        2000,
        description="Required with DECISION_GROUND_ILLEGAL_CONTENT: why the content is illegal.",
    ) = ""
    automated_detection: StrictBool
    automated_decision: AutomatedDecisionValue
    decided_by: Annotated[
        Text(
            254,
            min_length=3,
            description=(
                "Email of the staff member (with the issue-actions permission) who decided. "
                "Required unless automated_decision is AUTOMATED_DECISION_FULLY, then omitted."
            ),
        )
        | None,
        AfterValidator(_lower),
    ] = None
    content_type: list[ContentTypeValue] = Field(
        default=["CONTENT_TYPE_OTHER"], min_length=1, max_length=8
    )
    territorial_scope: list[CountryValue] = Field(default=[], max_length=30)
    funds_held: FundsHeldIn | None = None
    strikes: StrikesIn | None = None
    client_notices: list[ClientNoticeIn] = Field(default=[], max_length=50)
    starts_at: Timestamp
    ends_at: Timestamp | None = None
    late_notice_reason: Text(
        2000,
        description="Required when starts_at is more than LATE_NOTICE_TOLERANCE_MINUTES (60) "
        "before now: why the freelancer is told only now. They are shown both dates and it.",
    ) = ""
    termination_exception: TerminationExceptionIn | None = Field(
        default=None,
        description="Only for a permanent termination that takes effect without the notice period.",
    )


# --- Responses ---------------------------------------------------------------------------------


class RuleCitationOut(Schema):
    rule: str
    version: int


class FundsOut(Schema):
    amount: Decimal
    currency: str
    released_amount: Decimal
    release_condition: str
    release_on: date | None


class AppealOut(Schema):
    status: AppealStatus
    outcome: AppealOutcome | None = Field(description="Set once the appeal is decided.")
    submitted_at: datetime
    decided_at: datetime | None


class ClientNoticeRecordIn(StrictSchema):
    client_reference: Text(64, min_length=1, description="The marketplace's id of the client.")
    client_name: Text(200, min_length=1, description="The client's display name.")
    text: Text(5000, min_length=1, description="The exact text the client was shown.")
    shown_at: Timestamp = Field(description="When the client was shown it.")
    contract_reference: Text(64) = ""


class CorrectionOut(Schema):
    id: int
    text: str = Field(description="The exact correction, to show the client word for word.")
    created_at: datetime
    state: Literal["queued", "delivered", "failing", "shown"] = Field(
        description="queued: not delivered to the marketplace yet; delivered: the webhook "
        "reached the marketplace (delivered_at); failing: delivery is failing and retried; "
        "shown: the marketplace acknowledged showing it to the client (acknowledged_at)."
    )
    delivered_at: datetime | None
    acknowledged_at: datetime | None


class ClientNoticeOut(Schema):
    id: int
    action_id: int
    client_reference: str
    client_name: str
    contract_reference: str
    shown_at: datetime
    text: str
    recorded_at: datetime
    correction: CorrectionOut | None


class ActionOut(Schema):
    id: int
    puid: str
    external_id: str
    account: str | None
    status: ActionStatus
    restriction_type: RestrictionType
    restricted_capabilities: list[str]
    starts_at: datetime
    ends_at: datetime | None
    takes_effect_at: datetime | None = Field(
        description="For a proposed termination: when it takes effect at the earliest."
    )
    confirmed_at: datetime | None
    termination_exception: TerminationExceptionKind | None
    notified_at: datetime
    late_notice_reason: str = Field(
        description="Why the freelancer was told after the restriction started, if they were."
    )
    appeal_deadline: datetime
    reason_code: str
    rules: list[RuleCitationOut]
    funds_held: FundsOut | None
    statement_url: str = Field(description="The freelancer's statement of reasons.")
    appeal: AppealOut | None
    client_notices: list[ClientNoticeOut] = Field(
        description="What each client was told, and the correction owed to them, if any."
    )


class ErrorOut(Schema):
    detail: str


class ConflictOut(Schema):
    detail: str
    action_id: int = Field(description="The action already created under this external id.")


class FieldError(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[FieldError]


# --- Account sync --------------------------------------------------------------------------------

LanguageValue = Literal[tuple(code for code, _ in settings.LANGUAGES)]
TimeZoneValue = Literal[tuple(sorted(available_timezones()))]
BadgeValue = _one_of(Badge)
MARKETPLACE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
EMAIL_PATTERN = r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"


def _no_repeats(values: list) -> list:
    if len(set(values)) != len(values):
        raise ValueError("List each badge once.")
    return values


def _not_in_future(value: date) -> date:
    if value > datetime.now(UTC).date():
        raise ValueError("Membership cannot start in the future.")
    return value


SCORE_PATTERN = r"^[0-5](\.[0-9]{1,2})?$"


def _score_as_sent(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError('Give the score as a number or a string such as "4.93".')
    if isinstance(value, str) and not re.fullmatch(SCORE_PATTERN, value):
        raise ValueError('Give the score as a string such as "4.93" (0 to 5, two decimals).')
    return value


FeedbackScore = Annotated[
    Decimal,
    Field(ge=0, le=5, max_digits=3, decimal_places=2, allow_inf_nan=False),
    BeforeValidator(_score_as_sent),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 5},
                {"type": "string", "pattern": SCORE_PATTERN},
            ],
            "description": "Clients' average rating, 0 to 5, at most two decimals.",
        }
    ),
]

Earnings = Annotated[
    Decimal,
    Field(ge=0, max_digits=12, decimal_places=2, allow_inf_nan=False),
    BeforeValidator(_amount_as_sent),
    AfterValidator(_cents),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 9999999999.99},
                {"type": "string", "pattern": AMOUNT_PATTERN},
            ],
            "description": "0 or more, at most two decimals.",
        }
    ),
]


class EarningsIn(StrictSchema):
    amount: Earnings
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. USD.")


class AccountIn(StrictSchema):
    """The account as it is on the marketplace now (the whole of it: a PUT replaces)."""

    email: Annotated[
        str, Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN), AfterValidator(str.lower)
    ]
    name: Text(150, min_length=1)
    language: LanguageValue = "en"
    time_zone: TimeZoneValue = "UTC"
    member_since: Annotated[Day, AfterValidator(_not_in_future)] | None = None
    earnings_to_date: EarningsIn
    completed_contracts: int = Field(ge=0, le=2**31 - 1, strict=True)
    badges: Annotated[list[BadgeValue], AfterValidator(_no_repeats)] = Field(
        default=[], max_length=len(Badge.values)
    )
    client_feedback_score: FeedbackScore | None = None


class AccountDeactivateIn(StrictSchema):
    reason: Text(500, description="Why the marketplace closed the account (staff only).") = ""


class EarningsOut(Schema):
    amount: Decimal
    currency: str


class AccountOut(Schema):
    marketplace_id: str
    email: str
    name: str
    language: str
    time_zone: str
    member_since: date | None
    earnings_to_date: EarningsOut
    completed_contracts: int
    badges: list[str]
    client_feedback_score: Decimal | None
    synced_at: datetime
    deactivated_at: datetime | None
    long_standing: bool = Field(
        description="A permanent termination of this account needs a lead's review first."
    )
