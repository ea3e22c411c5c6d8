"""Saved views of the staff search: save, rename, delete, each audited."""

from __future__ import annotations

from django.db import transaction

from accounts.models import record_audit
from appeals.models import SavedSearch


def save_search(*, owner, name: str, params: dict) -> SavedSearch:
    with transaction.atomic(durable=True):
        saved = SavedSearch.objects.create(owner=owner, name=name, params=params)
        record_audit(
            actor=owner,
            verb="saved_search.created",
            obj=saved,
            summary=f"Saved the search view {name!r}.",
            data={"params": params},
        )
    return saved


def rename_search(saved: SavedSearch, *, name: str, by) -> SavedSearch:
    with transaction.atomic(durable=True):
        old = saved.name
        SavedSearch.objects.filter(pk=saved.pk).update(name=name)
        saved.name = name
        record_audit(
            actor=by,
            verb="saved_search.renamed",
            obj=saved,
            summary=f"Renamed the search view {old!r} to {name!r}.",
            data={"from": old, "to": name},
        )
    return saved


def delete_search(saved: SavedSearch, *, by) -> None:
    with transaction.atomic(durable=True):
        record_audit(
            actor=by,
            verb="saved_search.deleted",
            obj=saved,
            summary=f"Deleted the search view {saved.name!r}.",
            data={"name": saved.name, "params": saved.params},
        )
        saved.delete()
