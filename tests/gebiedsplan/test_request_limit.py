import pytest
from django.urls import reverse

from wijkdata.models import ImportBatch

pytestmark = pytest.mark.django_db


def test_it_refuses_an_oversized_upload_before_reading_it(client, people, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    client.force_login(people.coordinator)
    url = reverse("wijkdata:import_upload", args=[people.area.code])
    response = client.post(
        url,
        data=b"x" * 10,  # the body is never read: the declared length decides
        content_type="multipart/form-data; boundary=zzz",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "groter dan 1 MB" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_it_lets_an_upload_under_the_limit_through(client, people, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    client.force_login(people.coordinator)
    url = reverse("wijkdata:import_upload", args=[people.area.code])
    response = client.post(url, {"year": "2024"})
    assert response.status_code == 200  # the form, asking for a file
