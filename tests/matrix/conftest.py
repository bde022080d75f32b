import pytest
from django.core.cache import cache

from matrix import services
from plans.models import SectionKind
from tests.base import People


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # django-ratelimit counts in the cache; each test starts with a clean slate.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(db):
    return People.create(sections=[("text", "Het verhaal"), ("matrix", "Impact/effort matrix")])


@pytest.fixture
def section(people):
    return people.plan.sections.get(kind=SectionKind.MATRIX)


@pytest.fixture
def session(people, section):
    return services.session_start(section=section, user=people.facilitator, title="Ontwerpsessie Testgebied")


@pytest.fixture
def join(client):
    """Join a session in a client of its own (a phone); returns (client, participant)."""
    from django.test import Client

    def _join(session, name="Anna", organisation="GGD", phone=None):
        phone = phone or Client()
        response = phone.post("/doe-mee/", {"code": session.join_code, "name": name, "organisation": organisation})
        assert response.status_code == 302, response.content
        return phone, session.participants.get(name=name)

    return _join
