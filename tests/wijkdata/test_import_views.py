"""Uploading a file in the browser: preview first, then confirm; big files via Celery."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wijkdata.models import ImportBatch, IndicatorValue, Neighbourhood
from wijkdata.tasks import apply_import_batch, check_import_batch

from .conftest import TEST_FIGURES, nothing_written

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, people, data: bytes = TEST_FIGURES.encode(), name="cijfers.csv", **fields):
    return client.post(
        reverse("wijkdata:import_upload", args=[people.area.code]),
        {"file": SimpleUploadedFile(name, data), "year": "2024", **fields},
    )


class TestUpload:
    def test_it_shows_the_form(self, client, people):
        client.force_login(people.coordinator)
        response = client.get(reverse("wijkdata:import_upload", args=[people.area.code]))
        assert response.status_code == 200
        assert "wijkdata/import_upload.html" in [t.name for t in response.templates]
        assert 'enctype="multipart/form-data"' in response.content.decode()

    def test_it_previews_before_writing_anything(self, client, people):
        client.force_login(people.coordinator)
        response = upload(client, people)
        batch = ImportBatch.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("wijkdata:import_batch", args=[batch.code])
        assert batch.status == "preview"
        assert batch.report["counts"]["values_new"] == 20
        assert nothing_written()
        page = client.get(response["Location"]).content.decode()
        assert "Voorbeeld: dit verandert er" in page
        assert "20 nieuw, 0 gewijzigd, 0 ongewijzigd; 1 ontbrekend" in page
        assert "Bevestigen en inlezen" in page

    def test_it_writes_everything_on_confirm(self, client, people):
        client.force_login(people.coordinator)
        upload(client, people, source="Wijkmonitor")
        batch = ImportBatch.objects.get()
        response = client.post(reverse("wijkdata:import_confirm", args=[batch.code]))
        assert response.status_code == 302
        batch.refresh_from_db()
        assert batch.status == "done" and batch.applied is not None
        assert IndicatorValue.objects.count() == 20
        assert set(IndicatorValue.objects.values_list("source", flat=True)) == {"Wijkmonitor"}
        assert Neighbourhood.objects.get(code="BU99990101").parent.code == "WK999901"
        assert "Ingelezen" in client.get(response["Location"]).content.decode()

    def test_it_confirms_only_once(self, client, people):
        client.force_login(people.coordinator)
        upload(client, people)
        batch = ImportBatch.objects.get()
        client.post(reverse("wijkdata:import_confirm", args=[batch.code]))
        client.post(reverse("wijkdata:import_confirm", args=[batch.code]))
        assert IndicatorValue.objects.count() == 20

    def test_it_lists_every_problem_and_writes_nothing(self, client, people):
        client.force_login(people.coordinator)
        broken = TEST_FIGURES.replace("10000", "tienduizend").replace("46,0", "veel")
        response = upload(client, people, data=broken.encode())
        batch = ImportBatch.objects.get()
        assert batch.status == "refused"
        page = client.get(response["Location"]).content.decode()
        assert (
            "Rij 3, kolom &#x27;Aantal inwoners&#x27;: &#x27;tienduizend&#x27; is geen getal."
            in page
        )
        assert "Rij 5, kolom &#x27;Eenzaam&#x27;: &#x27;veel&#x27; is geen getal." in page
        assert "Bevestigen" not in page
        assert nothing_written()
        assert client.post(reverse("wijkdata:import_confirm", args=[batch.code])).status_code == 302
        assert nothing_written()

    def test_it_refuses_a_file_above_the_limit_without_storing_it(self, client, people, settings):
        settings.IMPORT_MAX_BYTES = 100
        client.force_login(people.coordinator)
        response = upload(client, people)
        assert response.status_code == 200
        assert "de grens is" in response.content.decode()
        assert not ImportBatch.objects.exists()

    def test_it_needs_a_file(self, client, people):
        client.force_login(people.coordinator)
        response = client.post(
            reverse("wijkdata:import_upload", args=[people.area.code]), {"year": "2024"}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["file"]

    def test_it_hands_big_files_to_celery_with_progress(
        self, client, people, settings, django_capture_on_commit_callbacks
    ):
        settings.IMPORT_ASYNC_BYTES = 10
        client.force_login(people.coordinator)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = upload(client, people)
        batch = ImportBatch.objects.get()
        assert batch.status == "checking" and len(callbacks) == 1
        page = client.get(response["Location"]).content.decode()
        assert 'hx-trigger="every 1s"' in page and "<progress" in page
        check_import_batch(batch.pk)  # what the worker runs
        batch.refresh_from_db()
        assert batch.status == "preview" and nothing_written()
        fragment = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in fragment and "hx-trigger" not in fragment
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            client.post(reverse("wijkdata:import_confirm", args=[batch.code]))
        batch.refresh_from_db()
        assert batch.status == "importing" and len(callbacks) == 1
        apply_import_batch(batch.pk)
        batch.refresh_from_db()
        assert batch.status == "done"
        assert IndicatorValue.objects.count() == 20

    def test_it_requires_login(self, client, people):
        response = client.get(reverse("wijkdata:import_upload", args=[people.area.code]))
        assert response.status_code == 302

    def test_it_lets_only_coordinators_and_staff_upload(self, client, people):
        for user, status in [
            (people.manager, 403),
            (people.facilitator, 403),
            (people.outsider, 404),
            (people.admin, 200),
        ]:
            client.force_login(user)
            assert (
                client.get(reverse("wijkdata:import_upload", args=[people.area.code])).status_code
                == status
            )
        client.force_login(people.manager)
        assert upload(client, people).status_code == 403
        assert not ImportBatch.objects.exists()

    def test_it_rejects_other_methods(self, client, people):
        client.force_login(people.coordinator)
        assert (
            client.put(reverse("wijkdata:import_upload", args=[people.area.code])).status_code
            == 405
        )


class TestBatchPages:
    @pytest.fixture
    def batch(self, client, people):
        client.force_login(people.coordinator)
        upload(client, people)
        client.logout()
        return ImportBatch.objects.get()

    def test_it_hides_a_batch_from_others(self, client, people, batch):
        client.force_login(people.outsider)
        assert client.get(reverse("wijkdata:import_batch", args=[batch.code])).status_code == 404
        assert client.post(reverse("wijkdata:import_confirm", args=[batch.code])).status_code == 404
        client.force_login(people.manager)
        assert client.post(reverse("wijkdata:import_confirm", args=[batch.code])).status_code == 403
        assert nothing_written()

    def test_it_requires_login(self, client, batch):
        assert client.get(reverse("wijkdata:import_batch", args=[batch.code])).status_code == 302
        assert client.post(reverse("wijkdata:import_confirm", args=[batch.code])).status_code == 302

    def test_it_confirms_only_by_post(self, client, people, batch):
        client.force_login(people.coordinator)
        assert client.get(reverse("wijkdata:import_confirm", args=[batch.code])).status_code == 405
        assert client.post(reverse("wijkdata:import_batch", args=[batch.code])).status_code == 405
