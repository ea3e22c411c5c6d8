"""How a staff view loads an appeal: through `Appeal.objects.for_reviewer`, the one scope.

Anything outside the scope is a 404. When the person asking took the decision the appeal is
against (they issued the action or confirmed the termination), the refusal is also written to
the audit log: that is someone reaching for a case they must never see.
"""

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from accounts.models import record_audit
from appeals.models import Appeal

DECIDER_REFUSED = "appeal.decider_refused"


def scoped_appeal(
    request: HttpRequest, pk: int, queryset: QuerySet[Appeal] | None = None
) -> Appeal:
    """The appeal `pk` if `request.user` may open it, else Http404 (audit-logged for the
    original decider)."""
    rows = Appeal.objects.all() if queryset is None else queryset
    user = request.user
    try:
        return rows.for_reviewer(user).get(pk=pk)
    except Appeal.DoesNotExist:
        refuse_decider(request, pk)
        raise Http404("No appeal of yours with that number.") from None


def refuse_decider(request: HttpRequest, pk: int) -> None:
    """Audit an original decider's attempt to open the appeal against their decision."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return
    against_theirs = (
        Appeal.objects.filter(pk=pk)
        .filter(Q(original_decider=user) | Q(action__confirmed_by=user))
        .first()
    )
    if against_theirs is not None:
        record_audit(
            actor=user,
            verb=DECIDER_REFUSED,
            obj=against_theirs,
            summary=(
                f"{user} tried to open appeal #{pk}, against a decision they took "
                f"({request.method} {request.path}); refused with 404."
            ),
            data={"path": request.path, "method": request.method},
        )
