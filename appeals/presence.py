"""Who has a case open: a short lease per person in the cache, renewed by the page's live poll.

One cache entry per appeal maps each viewer to their name and lease end. Two viewers renewing
at the same instant may overwrite each other's entry; the one lost comes back at its next poll
(a few seconds), which is all a "someone else is here" banner needs. No database write: an idle
page costs no more than its poll's one marker query.
"""

from __future__ import annotations

import time

from django.core.cache import cache

LEASE_SECONDS = 20
POLL_SECONDS = 5


def _key(appeal_id: int) -> str:
    return f"appeal-presence:{appeal_id}"


def touch(appeal_id: int, user) -> list[str]:
    """Renew `user`'s lease on the case and return the names of the others who have it open."""
    now = time.time()
    viewers: dict[str, list] = cache.get(_key(appeal_id)) or {}
    viewers = {uid: entry for uid, entry in viewers.items() if entry[1] > now}
    viewers[str(user.pk)] = [str(user), now + LEASE_SECONDS]
    cache.set(_key(appeal_id), viewers, timeout=LEASE_SECONDS * 3)
    return sorted(name for uid, (name, _until) in viewers.items() if uid != str(user.pk))


def leave(appeal_id: int, user) -> None:
    viewers: dict[str, list] = cache.get(_key(appeal_id)) or {}
    if viewers.pop(str(user.pk), None) is not None:
        cache.set(_key(appeal_id), viewers, timeout=LEASE_SECONDS * 3)
