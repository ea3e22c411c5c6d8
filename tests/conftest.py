from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import translation

from config.celery import app as celery_app
from tests.celery_brokers import (
    REDIS_BROKER_URL,
    forget_broker_connections,
    purge_default_queue,
    use_broker,
)
from tests.factories import (
    AdminFactory,
    FreelancerFactory,
    LeadFactory,
    ReviewerFactory,
)


def _empties_the_database(item: pytest.Item) -> bool:
    """A transactional test (the browser tests among them) ends by emptying every table, rows
    that data migrations wrote included (the fallback queue)."""
    marker = item.get_closest_marker("django_db")
    flagged = marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    )
    fixtures = getattr(item, "fixturenames", ())
    return bool(flagged) or "transactional_db" in fixtures or "live_server" in fixtures


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the transactional tests after all the others, as pytest-django orders them.

    pytest then regroups the tests of a session-wide parametrized fixture (Playwright's browser)
    at the first one that uses it, which put the browser tests ahead of most of the suite; the
    tests after them found the tables emptied. A stable sort keeps every other order as it was.
    """
    items.sort(key=_empties_the_database)


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request through the test client activates the reader's language in this thread and
    nothing deactivates it: without this, a test after a Russian page ran in Russian."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


TEST_STATIC_DIR = Path(__file__).resolve().parent / "browser" / "static"


@pytest.fixture(scope="session", autouse=True)
def _static_files_from_source():
    """Serve static files from the source folders: tests never run `collectstatic` first.

    Production uses WhiteNoise's manifest storage over STATIC_ROOT; without a collected
    STATIC_ROOT that storage fails on `{% static %}` and WhiteNoise warns (an error here).
    Session-wide, because the live server of the browser tests builds its handler once.
    """
    with override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        # Test-only files (axe-core for the accessibility scans) are served in tests alone:
        # they are not in static/, so production never collects or serves them.
        STATICFILES_DIRS=[*settings.STATICFILES_DIRS, TEST_STATIC_DIR],
        WHITENOISE_AUTOREFRESH=True,
        WHITENOISE_USE_FINDERS=True,
    ):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_staff_mfa_by_default(settings):
    """Most tests exercise pages, not MFA; tests of the MFA guard turn it back on."""
    settings.REQUIRE_STAFF_MFA = False


@pytest.fixture
def celery_in_memory(monkeypatch):
    """Tasks queued by on_commit hooks (routing, emails) go to an in-memory broker that no
    worker reads: not to the project's var/ folder, and not to a Redis a worker listens on."""
    use_broker(monkeypatch, "memory://")
    yield celery_app
    forget_broker_connections()


@pytest.fixture
def celery_on_redis(monkeypatch):
    """The project's Celery app on Redis with an empty queue, for tests that start a real
    worker (`celery.contrib.testing.worker.start_worker(celery_on_redis, ...)`)."""
    use_broker(monkeypatch, REDIS_BROKER_URL)
    # The embedded worker would otherwise replace pytest's logging handlers.
    monkeypatch.setitem(celery_app.conf, "worker_hijack_root_logger", False)
    purge_default_queue()
    yield celery_app
    forget_broker_connections()


@pytest.fixture
def freelancer(db):
    return FreelancerFactory(email="amara@example.test", display_name="Amara Okafor")


@pytest.fixture
def other_freelancer(db):
    return FreelancerFactory(email="jonas@example.test", display_name="Jonas Weber")


@pytest.fixture
def reviewer(db):
    return ReviewerFactory(email="riley@example.test", display_name="Riley Chen")


@pytest.fixture
def lead(db):
    return LeadFactory(email="lena@example.test", display_name="Lena Novak")


@pytest.fixture
def admin_user(db):
    return AdminFactory(email="admin@example.test", display_name="Ada Admin")
