import pytest
from django.core.cache import cache

from tests.factories import (
    AdminFactory,
    FreelancerFactory,
    LeadFactory,
    ReviewerFactory,
)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_staff_mfa_by_default(settings):
    """Most tests exercise pages, not MFA; tests of the MFA guard turn it back on."""
    settings.REQUIRE_STAFF_MFA = False


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
