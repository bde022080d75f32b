"""Redis down is not the platform down: pages, logins and sessions work from the database,
the PDF button says the background service is unreachable, and an error shows a Dutch page.

"Redis down" is a closed port (nothing listens on 127.0.0.1:6399): the real client, the
real refusal, and no other service on this machine is touched.
"""

import re

import pytest
from django.db import DatabaseError
from django.urls import include, path, reverse

from gebiedsplan.celery import app
from plans.models import PlanExport
from tests.base import PASSWORD

pytestmark = pytest.mark.django_db

CLOSED_REDIS = "redis://127.0.0.1:6399/0"


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "gebiedsplan.cache.FailOpenRedisCache",
            "LOCATION": CLOSED_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }


@pytest.fixture
def broker_down():
    """The Celery app publishes to a closed port, as it would with Redis stopped."""
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = CLOSED_REDIS
    app.conf.task_always_eager = False
    app._pool = app.amqp._producer_pool = None  # connections are made again, to the closed port
    yield
    app.conf.broker_url, app.conf.task_always_eager = saved
    app._pool = app.amqp._producer_pool = None


class TestRedisDown:
    def test_it_logs_in_and_shows_the_pages(self, client, people, redis_down):
        assert client.get(reverse("login")).status_code == 200
        response = client.post(
            reverse("login"), {"username": people.manager.username, "password": PASSWORD}
        )
        assert response.status_code == 302
        areas = client.get(reverse("plans:area_list"))
        assert areas.status_code == 200
        assert people.area.name in areas.content.decode()
        for _ in range(2):  # the cache misses every time: rendered every time, still right
            page = client.get(reverse("plans:plan_detail", args=[people.plan.code]))
            assert page.status_code == 200
            assert people.plan.title in page.content.decode()

    def test_the_session_outlives_the_outage(self, client, people, settings):
        client.force_login(people.coordinator)
        assert client.get(reverse("plans:area_list")).status_code == 200
        settings.CACHES = {
            "default": {
                "BACKEND": "gebiedsplan.cache.FailOpenRedisCache",
                "LOCATION": CLOSED_REDIS,
            }
        }
        response = client.get(reverse("plans:area_list"))
        assert response.status_code == 200  # still logged in: the session is in the database
        assert people.area.name in response.content.decode()

    # Real transactions: the task is queued on commit, as in production. A POST may run
    # inside the request's transaction (reversion's RevisionMiddleware): then the queueing
    # happens after the response, and the fragment's next poll (a second later) says it.
    @pytest.mark.django_db(transaction=True)
    def test_the_pdf_button_says_the_background_service_is_unreachable(
        self, client, people, redis_down, broker_down
    ):
        client.force_login(people.manager)
        response = client.post(
            reverse("plans:plan_pdf", args=[people.plan.code]), HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        export = PlanExport.objects.get()
        assert export.status == PlanExport.Status.FAILED
        html = response.content.decode()
        if "hx-trigger" in html:  # answered before the commit: poll as the browser does
            poll = re.search(r'hx-get="([^"]+)"', html).group(1)
            html = client.get(poll, HTTP_HX_REQUEST="true").content.decode()
        assert "De achtergrondverwerking is niet bereikbaar" in html
        assert "hx-trigger" not in html  # no progress bar polling a queue that never moves
        assert "Opnieuw proberen" in html

    @pytest.mark.django_db(transaction=True)
    def test_without_htmx_the_status_page_says_it_too(
        self, client, people, redis_down, broker_down
    ):
        client.force_login(people.manager)
        response = client.post(reverse("plans:plan_pdf", args=[people.plan.code]))
        page = client.get(response["Location"])
        assert "De achtergrondverwerking is niet bereikbaar" in page.content.decode()


def broken_view(request):
    raise DatabaseError("the database went away")


urlpatterns = [path("kapot/", broken_view), path("", include("gebiedsplan.urls"))]


class TestServerError:
    def test_it_shows_a_dutch_page_that_needs_no_database_or_cache(
        self, client, settings, redis_down, django_assert_num_queries
    ):
        settings.ROOT_URLCONF = __name__
        settings.DEBUG = False
        client.raise_request_exception = False
        with django_assert_num_queries(0):
            response = client.get("/kapot/")
        html = response.content.decode()
        assert response.status_code == 500
        assert "Er ging iets mis" in html
        assert "Wat je eerder hebt opgeslagen is bewaard" in html
        assert '<html lang="nl"' in html
        assert "the database went away" not in html
