"""403 and 404 come in the site's layout, in Dutch, with a way back to "Mijn gebieden"."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def assert_site_layout(body: str) -> None:
    assert '<header class="site-header">' in body
    assert '<main id="main" class="page">' in body
    assert f'href="{reverse("plans:area_list")}">Naar mijn gebieden</a>' in body


def test_an_outsider_gets_a_dutch_404_for_someone_elses_plan(client, people):
    client.force_login(people.outsider)
    response = client.get(people.plan.get_absolute_url())
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert_site_layout(body)
    assert "<title>Pagina niet gevonden · Gebiedsplan</title>" in body
    assert "hoort bij een gebied waarin je geen rol hebt" in body
    assert people.plan.title not in body  # nothing of the plan leaks
    assert "Not Found" not in body


def test_a_manager_gets_a_dutch_403_for_the_coordinators_import(client, people):
    client.force_login(people.manager)
    response = client.get(reverse("wijkdata:import_upload", args=[people.area.code]))
    assert response.status_code == 403
    body = response.content.decode()
    assert_site_layout(body)
    assert '<h1 class="utrecht-heading-1">Geen toegang</h1>' in body
    assert "Vraag het de netwerkcoördinator van het gebied." in body
    assert "403 Forbidden" not in body


def test_an_unknown_address_gets_the_404_page_even_before_logging_in(client):
    response = client.get("/bestaat-niet/")
    assert response.status_code == 404
    body = response.content.decode()
    assert_site_layout(body)
    assert "Pagina niet gevonden" in body


def test_the_error_pages_are_translated(client, people):
    client.force_login(people.outsider)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(people.plan.get_absolute_url()).content.decode()
    assert "Page not found" in body and "To my areas" in body


def test_an_english_visitor_leaves_the_next_visitors_pages_dutch(client, people, settings):
    """The 413 is made before the language middleware: it once took the language of
    the previous request in the same thread."""
    from django.test import Client

    client.force_login(people.outsider)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Page not found" in client.get(people.plan.get_absolute_url()).content.decode()
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    dutch = Client()
    dutch.force_login(people.coordinator)
    response = dutch.post(
        reverse("wijkdata:import_upload", args=[people.area.code]),
        data=b"x",
        content_type="multipart/form-data; boundary=zzz",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "groter dan 1 MB" in response.content.decode()
