"""Views of the plan PDF: request (POST), the current PDF and its status (GET, polled by
htmx), download. Any role in the area may use them; others get a 404."""

from unittest import mock

import pytest
from django.urls import reverse

from gebiedsplan.celery import app
from plans import services
from plans.models import PlanExport
from plans.pdf.render import RenderedPdf
from plans.services import plan_export_render, plan_export_request
from tests.base import PASSWORD, People

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fast_render():
    def render(html, *, progress=None):
        return RenderedPdf(pdf=b"%PDF-1.7\n% a test plan\n", pages=12)

    with mock.patch.object(services, "render_pdf", side_effect=render) as patched:
        yield patched


@pytest.fixture
def eager():
    """Tasks run in-process, as they do without REDIS_URL."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def people():
    return People.create()


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def request_url(people):
    return reverse("plans:plan_pdf", args=[people.plan.code])


def status_url(export):
    return reverse("plans:plan_pdf_status", args=[export.plan.code, export.code])


def download_url(export):
    return reverse("plans:plan_pdf_download", args=[export.plan.code, export.code])


@pytest.fixture
def done(people) -> PlanExport:
    export = plan_export_request(plan=people.plan, enqueue=False)
    return plan_export_render(export_id=export.pk, task_id="t1")


class TestRequest:
    def test_it_renders_and_redirects_to_the_status_page(
        self, client, people, eager, django_capture_on_commit_callbacks
    ):
        login(client, people.manager)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(request_url(people))
        export = PlanExport.objects.get()
        assert response.status_code == 302
        assert response["Location"] == status_url(export)
        assert export.status == PlanExport.Status.DONE
        assert export.requested_by == people.manager
        page = client.get(response["Location"])
        assert page.status_code == 200
        assert "plans/pdf/status_page.html" in [t.name for t in page.templates]
        assert download_url(export) in page.content.decode()

    def test_the_htmx_branch_returns_the_fragment_polling_while_in_flight(
        self, client, people, django_capture_on_commit_callbacks
    ):
        login(client, people.facilitator)
        with (
            mock.patch.object(services, "_enqueue") as enqueue,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.post(request_url(people), HTTP_HX_REQUEST="true")
        export = PlanExport.objects.get()
        enqueue.assert_called_once()
        assert enqueue.call_args.args[0] == export.pk
        body = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in body
        assert [t.name for t in response.templates][0] == "plans/_pdf_status.html"
        assert 'hx-trigger="every 1s"' in body
        assert f'hx-get="{status_url(export)}"' in body
        assert "<progress" in body

    def test_an_unchanged_plan_answers_with_the_download_at_once(self, client, people, done):
        login(client, people.coordinator)
        response = client.post(request_url(people), HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert download_url(done) in body
        assert "hx-trigger" not in body  # nothing to poll for
        assert PlanExport.objects.count() == 1

    def test_it_requires_login(self, client, people):
        response = client.post(request_url(people))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert not PlanExport.objects.exists()

    def test_it_rejects_the_wrong_method(self, client, people):
        login(client, people.manager)
        assert client.put(request_url(people)).status_code == 405
        assert client.delete(request_url(people)).status_code == 405

    def test_it_refuses_a_user_without_a_role_in_the_area(self, client, people):
        login(client, people.outsider)
        assert client.post(request_url(people)).status_code == 404
        assert client.get(request_url(people)).status_code == 404
        assert not PlanExport.objects.exists()

    @pytest.mark.parametrize("who", ["coordinator", "facilitator", "manager", "admin"])
    def test_every_role_may_request_it(
        self, client, people, who, django_capture_on_commit_callbacks
    ):
        login(client, getattr(people, who))
        with (
            mock.patch.object(services, "_enqueue"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.post(request_url(people))
        assert response.status_code == 302

    def test_get_shows_the_current_pdf_or_the_button(self, client, people):
        login(client, people.manager)
        response = client.get(request_url(people), HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert response.status_code == 200
        assert f'action="{request_url(people)}"' in body
        assert 'method="post"' in body
        assert "csrfmiddlewaretoken" in body


class TestStatus:
    def test_it_shows_progress_and_polls_while_rendering(self, client, people):
        export = plan_export_request(plan=people.plan, enqueue=False)
        services.plan_export_claim(export_id=export.pk, task_id="t1")
        PlanExport.objects.filter(pk=export.pk).update(progress=42)
        login(client, people.manager)
        body = client.get(status_url(export), HTTP_HX_REQUEST="true").content.decode()
        assert 'value="42"' in body
        assert "De PDF wordt gemaakt" in body
        assert 'hx-trigger="every 1s"' in body

    def test_it_stops_polling_and_offers_the_download_when_done(self, client, people, done):
        login(client, people.manager)
        response = client.get(status_url(done), HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert "<html" not in body
        assert "hx-trigger" not in body
        assert download_url(done) in body
        assert "12 pagina&#x27;s" in body or "12 pagina's" in body

    def test_it_shows_the_message_of_a_failed_export(self, client, people):
        export = plan_export_request(plan=people.plan, enqueue=False)
        services.plan_export_fail(export_id=export.pk, message="De PDF kon niet worden gemaakt.")
        login(client, people.manager)
        body = client.get(status_url(export), HTTP_HX_REQUEST="true").content.decode()
        assert 'role="alert"' in body
        assert "De PDF kon niet worden gemaakt." in body
        assert "hx-trigger" not in body
        assert "Opnieuw proberen" in body

    def test_a_stuck_export_stops_polling_and_offers_to_try_again(self, client, people):
        from datetime import timedelta

        from django.utils import timezone

        export = plan_export_request(plan=people.plan, enqueue=False)
        PlanExport.objects.filter(pk=export.pk).update(updated=timezone.now() - timedelta(hours=1))
        login(client, people.manager)
        body = client.get(status_url(export), HTTP_HX_REQUEST="true").content.decode()
        assert "hx-trigger" not in body
        assert "langer dan verwacht" in body

    def test_the_page_without_htmx_refreshes_itself_while_in_flight(self, client, people):
        export = plan_export_request(plan=people.plan, enqueue=False)
        login(client, people.manager)
        body = client.get(status_url(export)).content.decode()
        assert "<html" in body
        assert '<meta http-equiv="refresh" content="2">' in body

    def test_it_requires_login(self, client, people, done):
        response = client.get(status_url(done))
        assert response.status_code == 302

    def test_it_rejects_the_wrong_method(self, client, people, done):
        login(client, people.manager)
        assert client.post(status_url(done)).status_code == 405

    def test_it_refuses_a_user_without_a_role_in_the_area(self, client, people, done):
        login(client, people.outsider)
        assert client.get(status_url(done)).status_code == 404

    def test_an_export_of_another_plan_is_not_found(self, client, people, done):

        from plans.services import plan_create

        second = plan_create(area=people.area, period_start=2026, title="Gebiedsplan 2026")
        login(client, people.manager)
        url = reverse("plans:plan_pdf_status", args=[second.code, done.code])
        assert client.get(url).status_code == 404


class TestDownload:
    def test_it_sends_the_pdf_as_an_attachment(self, client, people, done):
        login(client, people.manager)
        response = client.get(download_url(done))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "Gebiedsplan 2025.pdf" in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF-")

    def test_it_names_the_file_after_the_title_without_underscores_for_colons(
        self, client, people, done
    ):
        from urllib.parse import unquote

        people.plan.title = "Gebiedsplan 2025 – Stedelijk, Portefeuille: Mantelzorg/Ouderen"
        people.plan.save()
        login(client, people.manager)
        response = client.get(download_url(done))
        disposition = unquote(response["Content-Disposition"])
        assert "Gebiedsplan 2025 – Stedelijk, Portefeuille - Mantelzorg Ouderen.pdf" in disposition
        assert "_" not in disposition and ":" not in disposition.split("filename", 1)[1]

    def test_an_export_that_is_not_done_is_not_found(self, client, people):
        export = plan_export_request(plan=people.plan, enqueue=False)
        login(client, people.manager)
        assert client.get(download_url(export)).status_code == 404

    def test_a_missing_file_is_not_found(self, client, people, done):
        from django.core.files.storage import default_storage

        default_storage.delete(done.file.name)
        login(client, people.manager)
        assert client.get(download_url(done)).status_code == 404

    def test_it_requires_login(self, client, people, done):
        assert client.get(download_url(done)).status_code == 302

    def test_it_rejects_the_wrong_method(self, client, people, done):
        login(client, people.manager)
        assert client.post(download_url(done)).status_code == 405

    def test_it_refuses_a_user_without_a_role_in_the_area(self, client, people, done):
        login(client, people.outsider)
        assert client.get(download_url(done)).status_code == 404
