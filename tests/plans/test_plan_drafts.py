"""A form saved after the session ran out: after logging in again nothing typed is lost."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.urls import reverse

from plans.models import Card, Plan, Section
from tests.base import PASSWORD, People, expire_session

pytestmark = pytest.mark.django_db

SECTIONS = [("text", "Het verhaal", "Een wijk in beweging."), ("cards", "Krachten en kansen")]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Drafts are kept in the cache and counted per address there (django-ratelimit).
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people():
    return People.create(sections=SECTIONS, themes=["Gezond leven"])


def section_url(section) -> str:
    return reverse("plans:section_edit", args=[section.plan.code, section.code])


def log_in_and_expire(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    expire_session(client.session.session_key)


def log_in_again(client, user, login_url):
    """Log in on the page the expired save was sent to; answers where it sends the person."""
    next_url = parse_qs(urlparse(login_url).query)["next"][0]
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD, "next": next_url})
    assert response.status_code == 302
    return response["Location"]


class TestDraftAfterExpiredSession:
    def test_a_section_text_comes_back_after_the_login(self, client, people):
        section = people.plan.sections.get(kind="text")
        log_in_and_expire(client, people.coordinator)
        typed = {"action": "section-save", "revision": section.revision, "heading": "Het verhaal van de wijk",
                 "contents_label": "Verhaal", "intro": "Een lange tekst die niet verloren mag gaan.", "appendix": "1"}
        response = client.post(section_url(section), typed)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert Section.objects.get(pk=section.pk).intro == "Een wijk in beweging."  # nothing saved yet
        login_page = client.get(response["Location"]).content.decode()
        assert "U was niet meer ingelogd" in login_page

        back = log_in_again(client, people.coordinator, response["Location"])
        assert back.startswith(section_url(section) + "?concept=")
        body = client.get(back).content.decode()
        assert "Een lange tekst die niet verloren mag gaan." in body
        assert 'value="Het verhaal van de wijk"' in body and 'value="Verhaal"' in body
        assert 'name="appendix" value="1" checked' in body and 'name="numbered" value="1" checked' not in body
        assert "teruggezet, maar nog niet opgeslagen" in body
        # Saving it now stores it (the form carries the revision it was typed against).
        client.post(section_url(section), {**typed})
        assert Section.objects.get(pk=section.pk).intro == "<p>Een lange tekst die niet verloren mag gaan.</p>"

    def test_the_draft_is_handed_out_once_and_only_on_its_page(self, client, people):
        section = people.plan.sections.get(kind="text")
        other = people.plan.sections.get(kind="cards")
        log_in_and_expire(client, people.coordinator)
        response = client.post(section_url(section), {"action": "section-save", "revision": section.revision,
                                                      "heading": "X", "intro": "Geheime concepttekst"})
        back = log_in_again(client, people.coordinator, response["Location"])
        token = back.split("?", 1)[1]
        assert "Geheime concepttekst" not in client.get(section_url(other) + "?" + token).content.decode()
        assert "Geheime concepttekst" not in client.get(section_url(section) + "?concept=forged").content.decode()
        assert "Geheime concepttekst" in client.get(back).content.decode()
        assert "Geheime concepttekst" not in client.get(back).content.decode()

    def test_someone_elses_save_meanwhile_shows_the_conflict(self, client, people):
        from plans import services

        section = people.plan.sections.get(kind="text")
        log_in_and_expire(client, people.coordinator)
        response = client.post(section_url(section), {"action": "section-save", "revision": section.revision,
                                                      "heading": "Het verhaal", "intro": "Mijn versie"})
        services.section_update(section=section, expected_revision=section.revision, intro="Hun versie")
        back = log_in_again(client, people.coordinator, response["Location"])
        body = client.get(back).content.decode()
        assert "Mijn versie" in body
        draft_revision = section.revision - 1
        assert f'name="revision" value="{draft_revision}"' in body
        saved = client.post(section_url(section), {"action": "section-save", "revision": draft_revision,
                                                   "heading": "Het verhaal", "intro": "Mijn versie"})
        assert saved.status_code == 409
        assert "<del>Hun</del> versie" in saved.content.decode()  # theirs beside mine
        assert Section.objects.get(pk=section.pk).intro == "Hun versie"

    def test_a_card_typed_in_the_add_form_comes_back(self, client, people):
        section = people.plan.sections.get(kind="cards")
        kind = section.card_kinds.first()
        theme = people.plan.themes.first()
        log_in_and_expire(client, people.coordinator)
        response = client.post(section_url(section), {"action": "item-add", "revision": section.revision,
                                                      "new-kind": kind.pk, "new-theme": theme.pk, "new-text": "Buurtkracht"})
        back = log_in_again(client, people.coordinator, response["Location"])
        assert "Buurtkracht" in client.get(back).content.decode()
        assert not Card.objects.filter(section=section).exists()

    def test_an_htmx_save_is_sent_to_the_login_page_as_a_whole(self, client, people):
        section = people.plan.sections.get(kind="text")
        log_in_and_expire(client, people.coordinator)
        response = client.post(section_url(section), {"action": "section-save", "intro": "x"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert response["HX-Redirect"].startswith(reverse("login") + "?next=")
        assert "concept" in response["HX-Redirect"]

    def test_a_review_comment_comes_back(self, client, people):
        Plan.objects.filter(pk=people.plan.pk).update(status=Plan.Status.REVIEW)
        section = people.plan.sections.get(kind="text")
        url = reverse("plans:plan_comments", args=[people.plan.code])
        log_in_and_expire(client, people.manager)
        response = client.post(url, {"section": section.pk, "text": "Graag een bron bij dit cijfer."})
        back = log_in_again(client, people.manager, response["Location"])
        assert "Graag een bron bij dit cijfer.</textarea>" in client.get(back).content.decode()

    def test_the_contributors_list_comes_back(self, client, people):
        url = reverse("plans:plan_contributors", args=[people.plan.code])
        log_in_and_expire(client, people.coordinator)
        response = client.post(url, {"action": "save", "digest": "x", "org-name": ["GGD", "MEE"],
                                     "org-role": ["", "partner"], "org-url": ["", ""]})
        back = log_in_again(client, people.coordinator, response["Location"])
        body = client.get(back).content.decode()
        assert 'value="GGD"' in body and 'value="partner"' in body
        assert Plan.objects.get(pk=people.plan.pk).contributors == []

    def test_an_address_keeps_only_so_many_drafts(self, client, people):
        from plans.drafts import DRAFT_RATE

        section = people.plan.sections.get(kind="text")
        limit = int(DRAFT_RATE.split("/")[0])
        for _n in range(limit):
            assert "concept" in client.post(section_url(section), {"action": "section-save", "intro": "x"})["Location"]
        response = client.post(section_url(section), {"action": "section-save", "intro": "x"})
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert "concept" not in response["Location"]  # sent to the login all the same, nothing kept
