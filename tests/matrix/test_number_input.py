"""The numbers a facilitator types (dots per person, timer minutes) are read the Dutch way."""

import pytest
from django.urls import reverse

from matrix.models import DesignSession

pytestmark = pytest.mark.django_db


def test_a_session_starts_with_dots_typed_with_a_comma(client, people, section):
    client.force_login(people.coordinator)
    url = reverse("matrix:session_new", args=[people.plan.code])
    assert 'inputmode="decimal"' in client.get(url).content.decode()
    response = client.post(url, {"section": section.code, "vote_limit": "5,0"})
    assert response.status_code == 302 and DesignSession.objects.get().vote_limit == 5


def test_a_session_is_not_started_with_dots_it_cannot_read(client, people, section):
    client.force_login(people.coordinator)
    url = reverse("matrix:session_new", args=[people.plan.code])
    response = client.post(url, {"section": section.code, "vote_limit": "vijf"}, follow=True)
    assert "Vul een getal in, bijvoorbeeld 10,7 of 1.234,5." in response.content.decode()
    assert not DesignSession.objects.exists()


def test_the_controls_read_minutes_and_dots_with_a_comma(client, people, session):
    client.force_login(people.facilitator)
    url = reverse("matrix:control", args=[session.code])
    client.post(url, {"action": "votes", "vote_limit": "4,0"})
    client.post(url, {"action": "timer", "minutes": "10,0"})
    session.refresh_from_db()
    assert session.vote_limit == 4 and session.timer_end is not None
    response = client.post(url, {"action": "timer", "minutes": "2,5"}, follow=True)
    session.refresh_from_db()
    assert "Vul een geheel getal in, zonder decimalen." in response.content.decode()
    assert session.timer_end is not None  # a number it cannot use does not stop the timer
