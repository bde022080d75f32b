import pytest

from tests.base import People

pytestmark = pytest.mark.django_db


def test_it_lists_only_areas_the_user_has_a_role_in(client, demo):
    people = People.create(area=demo.binnenstad.area)
    client.force_login(people.facilitator)
    response = client.get("/")
    assert response.status_code == 200
    assert "plans/area_list.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "Binnenstad - Spoorzone" in body
    assert "Stedelijk" not in body
    assert demo.binnenstad.get_absolute_url() in body


def test_it_tells_an_outsider_they_have_no_areas(client, demo):
    people = People.create(area=demo.binnenstad.area)
    client.force_login(people.outsider)
    body = client.get("/").content.decode()
    assert "Je hebt nog geen rol in een gebied" in body
    assert "Binnenstad" not in body


def test_it_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/inloggen/")


def test_it_rejects_post(client, people):
    client.force_login(people.manager)
    assert client.post("/").status_code == 405


def test_it_returns_the_list_fragment_for_htmx(client, people):
    client.force_login(people.manager)
    response = client.get("/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and "Testgebied" in body


def test_it_uses_a_constant_number_of_queries(client, demo, django_assert_num_queries):
    people = People.create(area=demo.binnenstad.area)
    client.force_login(people.admin)
    with django_assert_num_queries(3):  # user, areas, plans (the session comes from the cache)
        client.get("/")


def test_login_page_logs_a_user_in(client, people):
    response = client.post("/inloggen/", {"username": "t-manager", "password": "correct-horse-battery-staple"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_login_page_refuses_a_wrong_password_in_dutch(client, people):
    response = client.post("/inloggen/", {"username": "t-manager", "password": "fout"})
    assert response.status_code == 200
    assert "Voer een juiste gebruikersnaam en wachtwoord in" in response.content.decode()
