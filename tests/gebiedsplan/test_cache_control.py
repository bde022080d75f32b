"""Private pages and files are never kept by a browser cache or a proxy."""

from unittest import mock

import pytest
from django.urls import reverse

from plans import services
from plans.pdf.render import RenderedPdf
from plans.services import plan_export_render, plan_export_request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_private_pages_say_private_no_store(client, people):
    client.force_login(people.manager)
    for url in [
        reverse("plans:area_list"),
        reverse("plans:plan_detail", args=[people.plan.code]),
        reverse("plans:plan_pdf", args=[people.plan.code]),
        reverse("wijkdata:area_data", args=[people.area.code]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store", url


def test_the_login_page_is_not_stored_either(client):
    # Django's login view sets its own never_cache header: stricter still.
    directives = {d.strip() for d in client.get(reverse("login"))["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_the_pdf_download_is_private_no_store(client, people):
    with mock.patch.object(
        services, "render_pdf", return_value=RenderedPdf(pdf=b"%PDF-1.7\n%test\n", pages=1)
    ):
        export = plan_export_request(plan=people.plan, enqueue=False)
        export = plan_export_render(export_id=export.pk, task_id="t1")
    client.force_login(people.manager)
    response = client.get(reverse("plans:plan_pdf_download", args=[people.plan.code, export.code]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "max-age" not in response["Cache-Control"]


def test_static_files_keep_their_own_caching(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
