"""Every configuration change is audited (issue #11, item 7): who, when, before → after.

Each app registers its configuration models in its `AppConfig.ready()` with `track_changes`
(accounts sits below them and never imports them). Saves and deletes — from the admin, an in-app
form, a service or a shell — write an `AuditEvent` in the same transaction as the change, so a
rolled-back edit leaves no audit row and a committed one cannot lack it. Many-to-many fields
(queue members, a person's groups) are followed through `m2m_changed`.

The actor is the signed-in person of the current request (`AuditActorMiddleware`), or whoever a
caller names with `acting_as`; outside both (a worker, a migration) it is recorded as the system.
Bulk writes (`QuerySet.update`, `bulk_create`) send no signals: configuration code does not use
them for these models.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from accounts.models import record_audit

_request_or_actor: ContextVar = ContextVar("config_audit_actor", default=None)

CREATED, CHANGED, DELETED = "config.created", "config.changed", "config.deleted"
MEMBERS = "config.members_changed"
# Values never copied into the log: shown as "(set)" / "(changed)".
SECRET_WORDS = ("secret", "token", "password", "hash")


class AuditActorMiddleware:
    """Remember the request, so a signal can name who made the change."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_or_actor.set(request)
        try:
            return self.get_response(request)
        finally:
            _request_or_actor.reset(token)


@contextmanager
def acting_as(actor) -> Iterator[None]:
    token = _request_or_actor.set(actor)
    try:
        yield
    finally:
        _request_or_actor.reset(token)


def current_actor():
    held = _request_or_actor.get()
    user = getattr(held, "user", held)
    return user if getattr(user, "is_authenticated", False) else None


def _is_secret(name: str) -> bool:
    return any(word in name for word in SECRET_WORDS)


def _plain(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict:
    """The fields' values as JSON (secrets included: compare, then `masked` before recording)."""
    return {
        name: _plain(instance._meta.get_field(name).value_from_object(instance)) for name in fields
    }


def masked(values: dict, *, changed: bool = False) -> dict:
    return {
        name: (("(changed)" if changed else "(set)") if value else "")
        if _is_secret(name)
        else value
        for name, value in values.items()
    }


def _describe(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _label(instance: models.Model) -> str:
    return f"{instance._meta.verbose_name} “{instance}”"


def track_changes(
    model: type[models.Model],
    *,
    fields: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
    m2m: Iterable[str] = (),
) -> None:
    """Audit every save and delete of `model` (the concrete `fields`, or all but `exclude`),
    and changes to its many-to-many fields `m2m`."""
    excluded = set(exclude)
    names = (
        list(fields)
        if fields is not None
        else [
            f.name
            for f in model._meta.concrete_fields
            if not f.primary_key
            and f.name not in excluded
            # Timestamps the database keeps itself are not configuration.
            and not getattr(f, "auto_now", False)
            and not getattr(f, "auto_now_add", False)
        ]
    )
    uid = f"config-audit-{model._meta.label_lower}"

    def before_save(sender, instance, raw=False, **kwargs):
        if raw or instance.pk is None:
            instance._config_audit_before = None
            return
        old = sender._base_manager.filter(pk=instance.pk).first()
        instance._config_audit_before = snapshot(old, names) if old is not None else None

    def after_save(sender, instance, created, raw=False, **kwargs):
        if raw:
            return
        before = None if created else getattr(instance, "_config_audit_before", None)
        after = snapshot(instance, names)
        if before is None:
            record_audit(
                actor=current_actor(),
                verb=CREATED,
                obj=instance,
                summary=f"Created {_label(instance)}.",
                data={"before": {}, "after": masked(after)},
            )
            return
        changed = [name for name in names if before.get(name) != after.get(name)]
        if not changed:
            return
        before, after = masked(before), masked(after, changed=True)
        details = "; ".join(
            f"{name}: {_describe(before[name])} → {_describe(after[name])}" for name in changed
        )
        record_audit(
            actor=current_actor(),
            verb=CHANGED,
            obj=instance,
            summary=f"Changed {_label(instance)}: {details}",
            data={
                "before": {name: before[name] for name in changed},
                "after": {name: after[name] for name in changed},
            },
        )

    def after_delete(sender, instance, **kwargs):
        record_audit(
            actor=current_actor(),
            verb=DELETED,
            obj=instance,
            summary=f"Deleted {_label(instance)}.",
            data={"before": masked(snapshot(instance, names)), "after": {}},
        )

    pre_save.connect(before_save, sender=model, dispatch_uid=uid, weak=False)
    post_save.connect(after_save, sender=model, dispatch_uid=uid, weak=False)
    post_delete.connect(after_delete, sender=model, dispatch_uid=uid, weak=False)
    for name in m2m:
        _track_members(model, name)


def _track_members(model: type[models.Model], name: str) -> None:
    """Audit a many-to-many field from either side: one event per owner whose members changed."""
    field = model._meta.get_field(name)
    through = field.remote_field.through
    uid = f"config-audit-{model._meta.label_lower}-{name}"

    def owners(instance, action: str, reverse: bool, pk_set) -> list[models.Model]:
        if not reverse:
            return [instance]
        if action == "pre_clear":
            instance._config_audit_cleared = list(
                field.model._base_manager.filter(**{name: instance})
            )
        if action.endswith("_clear"):
            return instance._config_audit_cleared
        return list(field.model._base_manager.filter(pk__in=pk_set or []))

    def changed(sender, instance, action, reverse, pk_set, **kwargs):
        # The members before (pre_*) and after (post_*) the change, per owner, held on the
        # instance the signal is sent for (the same object for the pre_ and post_ signals).
        if action.startswith("pre_"):
            instance._config_audit_members = {
                owner.pk: _members(owner) for owner in owners(instance, action, reverse, pk_set)
            }
            return
        before_by_owner = getattr(instance, "_config_audit_members", {})
        for owner in owners(instance, action, reverse, pk_set):
            before, current = before_by_owner.get(owner.pk), _members(owner)
            if before is None or before == current:
                continue
            record_audit(
                actor=current_actor(),
                verb=MEMBERS,
                obj=owner,
                summary=(
                    f"Changed {field.verbose_name} of {_label(owner)}: "
                    f"{_describe(', '.join(before) or '(none)')} → "
                    f"{_describe(', '.join(current) or '(none)')}"
                ),
                data={"field": name, "before": {name: before}, "after": {name: current}},
            )

    def _members(owner: models.Model) -> list[str]:
        return sorted(str(member) for member in getattr(owner, name).all())

    m2m_changed.connect(changed, sender=through, dispatch_uid=uid, weak=False)
