"""PUT /accounts/{marketplace_id} and its deactivation: the marketplace keeps accounts in sync.

Same bearer tokens, validation and answers as the action intake: a PUT is idempotent (the same
body again answers 200 and writes nothing), any invalid body answers 422 with field paths and
writes nothing, an address already used by another account answers 409.
"""

import hashlib
import json

from ninja import Path, Router, Status

from accounts.models import TrackRecord, User
from accounts.sync import AccountData, EmailTaken, deactivate_account, sync_account
from api.schemas import (
    MARKETPLACE_ID_PATTERN,
    AccountDeactivateIn,
    AccountIn,
    AccountOut,
    ErrorOut,
    ValidationErrorOut,
)

router = Router(tags=["accounts"])

MarketplaceId = Path(
    pattern=MARKETPLACE_ID_PATTERN,
    description="The marketplace's id of the account (letters, digits, '.', '_', '-').",
)


def represent_account(user: User) -> dict:
    record: TrackRecord = user.track_record
    return {
        "marketplace_id": user.marketplace_id,
        "email": user.email,
        "name": user.display_name,
        "language": user.preferred_language,
        "time_zone": user.time_zone,
        "member_since": user.member_since,
        "earnings_to_date": {
            "amount": record.earnings_to_date,
            "currency": record.earnings_currency,
        },
        "completed_contracts": record.completed_contracts,
        "badges": list(record.badges),
        "client_feedback_score": record.client_feedback_score,
        "synced_at": record.synced_at,
        "deactivated_at": record.deactivated_at,
        "long_standing": record.is_long_standing(),
    }


def _account(marketplace_id: str) -> User | None:
    return (
        User.objects.select_related("track_record")
        .filter(marketplace_id=marketplace_id, track_record__isnull=False)
        .first()
    )


@router.put(
    "/accounts/{marketplace_id}",
    response={
        200: AccountOut,
        201: AccountOut,
        400: ErrorOut,
        401: ErrorOut,
        409: ErrorOut,
        422: ValidationErrorOut,
    },
    summary="Create or update an account and its track record",
    description=(
        "The account as it is on the marketplace now: email, name, language, time zone, member "
        "since, earnings to date, completed contracts, badges and client feedback. Creates it "
        "(201) or updates it (200); the same body again changes nothing (200). A deactivated "
        "account that is sent again is open again. An email address used by another account "
        "answers 409; an invalid body 422, with nothing written."
    ),
)
def put_account(request, payload: AccountIn, marketplace_id: str = MarketplaceId):
    body = payload.model_dump(mode="json")
    fingerprint = hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    data = AccountData(
        email=payload.email,
        name=payload.name,
        language=payload.language,
        time_zone=payload.time_zone,
        member_since=payload.member_since,
        earnings_to_date=payload.earnings_to_date.amount,
        earnings_currency=payload.earnings_to_date.currency,
        completed_contracts=payload.completed_contracts,
        badges=list(payload.badges),
        client_feedback_score=payload.client_feedback_score,
    )
    try:
        user, created, _changed = sync_account(
            marketplace_id, data, fingerprint=fingerprint, source_name=request.auth.name
        )
    except EmailTaken:
        return Status(
            409,
            {
                "detail": "Another account already uses this email address; sync that account "
                "first (or change its address)."
            },
        )
    return Status(201 if created else 200, represent_account(_account(user.marketplace_id)))


@router.get(
    "/accounts/{marketplace_id}",
    response={200: AccountOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
    summary="Read an account as it was last synced",
)
def get_account(request, marketplace_id: str = MarketplaceId):
    user = _account(marketplace_id)
    if user is None:
        return Status(404, {"detail": "No account with this marketplace id was synced."})
    return Status(200, represent_account(user))


@router.post(
    "/accounts/{marketplace_id}/deactivate",
    response={
        200: AccountOut,
        400: ErrorOut,
        401: ErrorOut,
        404: ErrorOut,
        422: ValidationErrorOut,
    },
    summary="The marketplace closed the account",
    description=(
        "Records that the account is closed on the marketplace (idempotent: the first time is "
        "kept). The person can still sign in to Recourse, read their statements and appeal."
    ),
)
def deactivate(request, payload: AccountDeactivateIn, marketplace_id: str = MarketplaceId):
    user = User.objects.filter(marketplace_id=marketplace_id).first()
    if user is None:
        return Status(404, {"detail": "No account has this marketplace id."})
    deactivate_account(user, reason=payload.reason, source_name=request.auth.name)
    return Status(200, represent_account(_account(marketplace_id)))
