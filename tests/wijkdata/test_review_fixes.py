"""Uploads write only the own municipality; safe exports; a lost broker; broken boundaries."""

import csv
import io
import json
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from openpyxl import load_workbook

from plans.models import Area, Organisation
from wijkdata.models import (
    ImportBatch,
    Indicator,
    IndicatorValue,
    Neighbourhood,
    NeighbourhoodBoundary,
)
from wijkdata.services import indicators_import
from wijkdata.tasks import apply_import_batch, check_import_batch

from .conftest import TEST_FIGURES, nothing_written

pytestmark = pytest.mark.django_db

OTHER_FIGURES = "Codering;Naam;Eenzaam\nGM8888;Anderstad;20,0\nWK888801;Zuid;25,0\n"
# The own gemeente and wijk, the other municipality's gemeente and wijk, and the country.
MIXED_FIGURES = (
    "Codering;Naam;Eenzaam\n"
    "NL00;Nederland;33,0\n"
    "GM9999;Teststad;41,0\n"
    "WK999901;Centrum;52,0\n"
    "GM8888;Anderstad;99,0\n"
    "WK888801;Zuid;99,0\n"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def other_municipality():
    """A second organisation (gemeente GM8888) whose figures were imported by an administrator."""
    organisation = Organisation.objects.create(
        name="Welzijn Anders", municipality_name="Anderstad", municipality_code="GM8888"
    )
    Area.objects.create(organisation=organisation, name="Zuid")
    indicators_import(data=OTHER_FIGURES.encode(), file_name="ander.csv", year=2024, source="CBS")
    return organisation


def other_values() -> dict:
    return dict(
        IndicatorValue.objects.filter(neighbourhood__code__in=["GM8888", "WK888801"]).values_list(
            "neighbourhood__code", "value"
        )
    )


def upload(client, people, data: bytes, name="cijfers.csv", **fields):
    return client.post(
        reverse("wijkdata:import_upload", args=[people.area.code]),
        {"file": SimpleUploadedFile(name, data), "year": "2024", **fields},
    )


def confirm(client, batch):
    return client.post(reverse("wijkdata:import_confirm", args=[batch.code]))


class TestUploadScope:
    def test_it_leaves_other_municipalities_figures_alone(self, client, people, other_municipality):
        before = other_values()
        client.force_login(people.coordinator)
        response = upload(client, people, MIXED_FIGURES.encode())
        page = client.get(response["Location"]).content.decode()
        assert "2 regio&#x27;s buiten gemeente Teststad overgeslagen" in page
        confirm(client, ImportBatch.objects.get())
        assert ImportBatch.objects.get().status == "done"
        assert other_values() == before
        assert Neighbourhood.objects.get(code="GM8888").name == "Anderstad"
        assert set(
            IndicatorValue.objects.filter(neighbourhood__code__startswith="GM9999").values_list(
                "value", flat=True
            )
        ) == {41}
        assert not Neighbourhood.objects.filter(code="NL00").exists()

    def test_it_refuses_a_file_without_the_own_municipality(
        self, client, people, other_municipality
    ):
        before = other_values()
        client.force_login(people.coordinator)
        response = upload(client, people, OTHER_FIGURES.replace("20,0", "1,0").encode())
        batch = ImportBatch.objects.get()
        assert batch.status == "refused"
        page = client.get(response["Location"]).content.decode()
        assert "Dit bestand bevat geen gebieden van gemeente Teststad (GM9999)" in page
        assert "Bevestigen" not in page
        assert other_values() == before
        assert not Neighbourhood.objects.filter(code__startswith="GM9999").exists()

    def test_it_keeps_the_scope_in_the_background_import(
        self, client, people, other_municipality, settings, django_capture_on_commit_callbacks
    ):
        settings.IMPORT_ASYNC_BYTES = 10
        before = other_values()
        client.force_login(people.coordinator)
        with django_capture_on_commit_callbacks(execute=False):
            upload(client, people, MIXED_FIGURES.encode())
        batch = ImportBatch.objects.get()
        check_import_batch(batch.pk)
        with django_capture_on_commit_callbacks(execute=False):
            confirm(client, batch)
        apply_import_batch(batch.pk)
        batch.refresh_from_db()
        assert batch.status == "done"
        assert other_values() == before

    def test_it_lets_staff_import_every_municipality(self, client, people, other_municipality):
        client.force_login(people.admin)
        upload(client, people, MIXED_FIGURES.encode(), owner="public")
        confirm(client, ImportBatch.objects.get())
        assert other_values() == {"GM8888": 99, "WK888801": 99}

    def test_it_restricts_the_command_to_one_municipality_on_request(self, tmp_path):
        path = tmp_path / "mixed.csv"
        path.write_text(MIXED_FIGURES)
        out = io.StringIO()
        call_command(
            "import_indicators", str(path), "--year", "2024", "--municipality", "GM9999", stdout=out
        )
        assert Neighbourhood.objects.filter(code__startswith="GM").get().code == "GM9999"
        assert "2 regio's buiten gemeente GM9999 overgeslagen" in out.getvalue()
        call_command("import_indicators", str(path), "--year", "2024", stdout=io.StringIO())
        assert Neighbourhood.objects.filter(code="GM8888").exists()


class TestExportFormulas:
    @pytest.fixture
    def hostile(self, area_with_figures):
        """Texts from an uploaded file that a spreadsheet would run, and a negative number."""
        Neighbourhood.objects.filter(code="WK999901").update(name='=HYPERLINK("http://x","y")')
        indicator = Indicator.objects.create(code="saldo", name="@SUM(A1)", kind="count")
        IndicatorValue.objects.create(
            neighbourhood=Neighbourhood.objects.get(code="WK999901"),
            indicator=indicator,
            year=2024,
            value=-3.5,
            source="+cmd|' /C calc'!A0",
        )
        return area_with_figures

    def export(self, client, people, fmt):
        client.force_login(people.manager)
        url = reverse("wijkdata:area_export", args=[people.area.code]) + f"?formaat={fmt}"
        return client.get(url).content

    def test_it_neutralises_formulas_in_the_csv(self, client, hostile):
        rows = list(csv.reader(io.StringIO(self.export(client, hostile, "csv").decode())))
        row = next(r for r in rows if r[4] == "saldo")
        assert row[1] == '\'=HYPERLINK("http://x","y")'
        assert row[5] == "'@SUM(A1)"
        assert row[9] == "'+cmd|' /C calc'!A0"
        assert row[6] == "-3.5"
        assert not any(
            cell.startswith(("=", "+", "-", "@", "\t", "\r"))
            for r in rows
            for i, cell in enumerate(r)
            if i != 6
        )

    def test_it_neutralises_formulas_in_the_xlsx(self, client, hostile):
        workbook = load_workbook(io.BytesIO(self.export(client, hostile, "xlsx")))
        rows = list(workbook["waarden"].iter_rows(min_row=2))
        assert not any(cell.data_type == "f" for row in rows for cell in row)
        row = next(r for r in rows if r[4].value == "saldo")
        assert row[1].value == '\'=HYPERLINK("http://x","y")'
        assert row[5].value == "'@SUM(A1)"
        assert row[9].value == "'+cmd|' /C calc'!A0"
        assert row[6].value == -3.5 and row[6].data_type == "n"


class TestBrokerDown:
    def test_it_fails_the_check_visibly_when_the_broker_is_down(
        self, client, people, settings, django_capture_on_commit_callbacks, caplog
    ):
        settings.IMPORT_ASYNC_BYTES = 10
        client.force_login(people.coordinator)
        with (
            mock.patch.object(check_import_batch, "delay", side_effect=BrokerError("refused")),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = upload(client, people, TEST_FIGURES.encode())
        assert response.status_code == 302
        batch = ImportBatch.objects.get()
        assert batch.status == "failed"
        page = client.get(response["Location"]).content.decode()
        assert "De achtergrondverwerking is niet bereikbaar; probeer het later opnieuw." in page
        assert "hx-trigger" not in page
        assert "Opnieuw beginnen" in page
        assert "broker unavailable" in caplog.text

    def test_it_fails_the_import_visibly_when_the_broker_is_down(
        self, client, people, settings, django_capture_on_commit_callbacks
    ):
        client.force_login(people.coordinator)
        upload(client, people, TEST_FIGURES.encode())
        batch = ImportBatch.objects.get()
        settings.IMPORT_ASYNC_BYTES = 10
        with (
            mock.patch.object(apply_import_batch, "delay", side_effect=BrokerError("refused")),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = confirm(client, batch)
        assert response.status_code == 302
        batch.refresh_from_db()
        assert batch.status == "failed"
        page = client.get(response["Location"]).content.decode()
        assert "De achtergrondverwerking is niet bereikbaar" in page
        assert "hx-trigger" not in page
        assert nothing_written()

    def test_it_stops_waiting_for_a_stuck_batch(self, client, people):
        client.force_login(people.coordinator)
        upload(client, people, TEST_FIGURES.encode())
        batch = ImportBatch.objects.get()
        url = reverse("wijkdata:import_batch", args=[batch.code])
        ImportBatch.objects.filter(pk=batch.pk).update(status="checking", updated=timezone.now())
        assert 'hx-trigger="every 1s"' in client.get(url).content.decode()
        ImportBatch.objects.filter(pk=batch.pk).update(updated=timezone.now() - timedelta(hours=2))
        page = client.get(url).content.decode()
        assert "hx-trigger" not in page
        assert "vastgelopen" in page
        assert reverse("wijkdata:import_upload", args=[people.area.code]) in page
        assert "Opnieuw beginnen" in page


def boundary_file(geometry) -> bytes:
    good = {
        "type": "Polygon",
        "coordinates": [[[5.0, 51.0], [5.01, 51.0], [5.01, 51.01], [5.0, 51.0]]],
    }
    return json.dumps(
        {
            "type": "FeatureCollection",
            "metadata": {"year": 2024},
            "features": [
                {
                    "type": "Feature",
                    "properties": {"wijkcode": "WK999902", "wijknaam": "Noord"},
                    "geometry": good,
                },
                {
                    "type": "Feature",
                    "properties": {"wijkcode": "WK999901", "wijknaam": "Centrum"},
                    "geometry": geometry,
                },
            ],
        }
    ).encode()


BAD_GEOMETRIES = [
    (
        {
            "type": "Polygon",
            "coordinates": [[["5", "51"], ["5.1", "51"], ["5", "52"], ["5", "51"]]],
        },
        "de coördinaten zijn geen getallen",
    ),
    (
        {"type": "Polygon", "coordinates": [[[5.0, 51.0], [5.1, 51.0], [5.0, 51.0]]]},
        "een ring heeft minder dan 4 punten",
    ),
    (
        {
            "type": "MultiPolygon",
            "coordinates": [[[[5.0, 51.0], [float("inf"), 51.0], [5.0, 52.0], [5.0, 51.0]]]],
        },
        "de coördinaten zijn geen eindige getallen",
    ),
]


class TestBrokenBoundaries:
    @pytest.mark.parametrize(("geometry", "reason"), BAD_GEOMETRIES)
    def test_it_refuses_a_boundary_file_with_a_broken_geometry(
        self, client, people, geometry, reason
    ):
        client.force_login(people.coordinator)
        response = upload(client, people, boundary_file(geometry), name="wijken.geojson")
        assert ImportBatch.objects.get().status == "refused"
        page = client.get(response["Location"]).content.decode()
        assert f"Object 2 (WK999901): de grens is ongeldig, want {reason}." in page
        assert nothing_written() and not NeighbourhoodBoundary.objects.exists()

    def test_it_draws_the_map_without_a_shape_it_cannot_draw(self, client, area_with_figures):
        people = area_with_figures
        indicators_import(data=boundary_file(None), file_name="w.geojson")
        NeighbourhoodBoundary.objects.create(
            neighbourhood=Neighbourhood.objects.get(code="WK999901"),
            geometry=BAD_GEOMETRIES[0][0],
            source="oud",
        )
        client.force_login(people.manager)
        response = client.get(reverse("wijkdata:area_data", args=[people.area.code]))
        assert response.status_code == 200
        assert [s.code for s in response.context["map"].shapes] == ["WK999902"]
