"""Every real file imports, with facts from the data README checked.

The subsets in tests/data run everywhere; the full national files in ../shared/data run
where they are (marker `shared_data`, always in CI). The files are imported once per class
(committed to the test database, wiped after), so the checks share one import.
"""

import csv
import io
import json
from decimal import Decimal

import pytest

from wijkdata.models import Indicator, IndicatorValue, Neighbourhood, NeighbourhoodBoundary
from wijkdata.services import indicators_import

from .conftest import (
    BOUNDARIES,
    HEALTH_2020,
    KWB_2024,
    KWB_UTRECHT_2023,
    NATIONAL_HEALTH_2020,
    NATIONAL_KWB_2024,
    wipe_wijkdata,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="class")
def imported(django_db_setup, django_db_blocker, data_dir):
    """KWB 2024 (the subset), then both boundary files, then KWB 2024 again."""
    with django_db_blocker.unblock():
        wipe_wijkdata()
        first = indicators_import(path=data_dir / KWB_2024, year=2024)
        boundaries = [indicators_import(path=data_dir / name) for name in BOUNDARIES]
        again = indicators_import(path=data_dir / KWB_2024, year=2024)
        yield {"first": first, "boundaries": boundaries, "again": again}
        wipe_wijkdata()


def value(code: str, indicator: str, year: int) -> Decimal | None:
    return IndicatorValue.objects.get(
        neighbourhood__code=code, neighbourhood__year=year, indicator__code=indicator
    ).value


# The figure columns of the KWB 2024 CSV and the indicators they are stored as.
KWB_COLUMNS = {
    "Bevolking/Aantal inwoners (aantal)": "inwoners",
    "Bevolking/Geslacht/Mannen (aantal)": "mannen",
    "Bevolking/Geslacht/Vrouwen (aantal)": "vrouwen",
    "Bevolking/Leeftijdsgroepen/0 tot 15 jaar (aantal)": "leeftijd-0-14",
    "Bevolking/Leeftijdsgroepen/15 tot 25 jaar (aantal)": "leeftijd-15-24",
    "Bevolking/Leeftijdsgroepen/25 tot 45 jaar (aantal)": "leeftijd-25-44",
    "Bevolking/Leeftijdsgroepen/45 tot 65 jaar (aantal)": "leeftijd-45-64",
    "Bevolking/Leeftijdsgroepen/65 jaar of ouder (aantal)": "leeftijd-65-plus",
}


def assert_stored_as_written(path, year: int) -> None:
    """Every region's name and every figure of the KWB CSV, read here cell by cell with
    Python's csv module, equal what the import stored ('.' stored as missing, never 0)."""
    reader = csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig")), delimiter=";")
    stored = {
        (code, indicator): (value, reason)
        for code, indicator, value, reason in IndicatorValue.objects.filter(
            year=year, indicator__code__in=KWB_COLUMNS.values()
        ).values_list("neighbourhood__code", "indicator__code", "value", "missing_reason")
    }
    names = dict(Neighbourhood.objects.filter(year=year).values_list("code", "name"))
    regions = 0
    for row in reader:
        code = row["Regioaanduiding/Codering (code)"].strip()
        if not code.startswith(("GM", "WK", "BU")):
            continue
        regions += 1
        assert names[code] == row["Wijken en buurten"].strip(), code
        for column, indicator in KWB_COLUMNS.items():
            value, reason = stored[(code, indicator)]
            cell = row[column].strip()
            if cell == ".":
                assert value is None and reason, (code, indicator)
            else:
                assert (value, reason) == (Decimal(cell), ""), (code, indicator, cell)
    assert regions and len(stored) == regions * len(KWB_COLUMNS)


@pytest.fixture(scope="class")
def national(django_db_setup, django_db_blocker, national_dir):
    """KWB 2024 for the whole country, imported twice."""
    with django_db_blocker.unblock():
        wipe_wijkdata()
        first = indicators_import(path=national_dir / NATIONAL_KWB_2024, year=2024)
        again = indicators_import(path=national_dir / NATIONAL_KWB_2024, year=2024)
        yield {"first": first, "again": again}
        wipe_wijkdata()


@pytest.mark.shared_data
class TestNationalKwb2024:
    def test_it_reads_every_region_of_the_country(self, national):
        counts = national["first"].counts
        assert counts["rows_read"] == 18310
        assert counts["skipped"] == {"land": 1}
        assert counts["regions_new"] == 18309
        assert Neighbourhood.objects.filter(year=2024, level="municipality").count() == 342
        assert Neighbourhood.objects.filter(year=2024, level="district").count() == 3393
        assert Neighbourhood.objects.filter(year=2024, level="neighbourhood").count() == 14574
        assert national["first"].plan.parsed.format == "cbs_statline"
        assert value("WK079601", "inwoners", 2024) == 13895

    def test_it_stores_every_name_and_figure_as_the_file_writes_them(self, national, national_dir):
        assert_stored_as_written(national_dir / NATIONAL_KWB_2024, 2024)

    def test_it_changes_nothing_on_a_second_import(self, national):
        counts = national["again"].counts
        assert national["again"].applied is False
        assert counts["values_new"] == counts["values_changed"] == 0
        assert counts["values_unchanged"] == 18309 * 8


class TestKwb2024:
    def test_it_reads_every_region_of_the_file(self, imported, data_dir):
        rows = (data_dir / KWB_2024).read_bytes().decode("utf-8-sig").splitlines()[1:]
        counts = imported["first"].counts
        assert counts["rows_read"] == len(rows)
        assert counts["skipped"] == {"land": 1}
        assert counts["regions_in_file"] == len(rows) - 1
        assert Neighbourhood.objects.filter(year=2024, level="municipality", code="GM0307").exists()
        assert imported["first"].plan.parsed.format == "cbs_statline"

    def test_it_stores_every_name_and_figure_as_the_file_writes_them(self, imported, data_dir):
        assert_stored_as_written(data_dir / KWB_2024, 2024)

    def test_it_knows_the_facts_of_den_bosch(self, imported):
        assert value("GM0796", "inwoners", 2024) == 160757
        gemeente = Neighbourhood.objects.get(code="GM0796", year=2024)
        assert gemeente.name == "'s-Hertogenbosch"
        wijken = Neighbourhood.objects.filter(parent=gemeente)
        assert wijken.count() == 14
        assert Neighbourhood.objects.filter(parent__in=wijken, level="neighbourhood").count() == 108
        binnenstad = Neighbourhood.objects.get(code="WK079601", year=2024)
        assert binnenstad.name == "Binnenstad"
        assert binnenstad.level == "district"
        assert value("WK079601", "inwoners", 2024) == 13895

    def test_it_links_buurten_to_their_wijk(self, imported):
        buurt = Neighbourhood.objects.select_related("parent__parent").get(
            code="BU07960101", year=2024
        )
        assert buurt.parent.code == "WK079601"
        assert buurt.parent.parent.code == "GM0796"

    def test_it_accepts_amsterdam_codes_with_letters(self, imported):
        buurt = Neighbourhood.objects.get(code="BU0363AA01", year=2024)
        assert buurt.parent.code == "WK0363AA"

    def test_it_stores_age_bands_and_sexes(self, imported):
        assert value("WK079601", "mannen", 2024) == 7010
        assert value("WK079601", "leeftijd-65-plus", 2024) == 2555
        indicator = Indicator.objects.get(code="inwoners")
        assert (indicator.kind, indicator.unit, indicator.category) == (
            "count",
            "aantal",
            "population",
        )

    def test_it_changes_nothing_on_a_second_import(self, imported):
        counts = imported["again"].counts
        assert imported["again"].applied is False
        assert counts["values_new"] == counts["values_changed"] == 0
        assert counts["regions_new"] == counts["regions_changed"] == 0
        regions = counts["regions_in_file"]
        assert counts["values_unchanged"] == regions * 8
        assert (
            IndicatorValue.objects.filter(year=2024, indicator__code="inwoners").count() == regions
        )

    def test_it_keeps_the_source(self, imported):
        assert (
            IndicatorValue.objects.filter(source="CBS, Kerncijfers wijken en buurten").count()
            >= imported["first"].counts["regions_in_file"] * 8
        )

    # The boundary files, imported after the CSV (one import of the country serves both).

    def test_it_matches_the_boundary_files_for_every_wijk(self, imported, data_dir):
        checked = 0
        for name in BOUNDARIES:
            document = json.loads((data_dir / name).read_text())
            for feature in document["features"]:
                props = feature["properties"]
                assert value(props["wijkcode"], "inwoners", 2024) == props["aantal_inwoners"], (
                    props["wijkcode"]
                )
                checked += 1
        assert checked == 47

    def test_it_finds_the_map_inhabitants_unchanged_and_stores_the_outlines(self, imported):
        den_bosch, amersfoort = imported["boundaries"]
        assert den_bosch.counts["regions_in_file"] == 14
        assert amersfoort.counts["regions_in_file"] == 33
        # Same inhabitants, men and women as the CSV: unchanged, not overwritten.
        assert den_bosch.counts["values_changed"] == 0
        assert den_bosch.counts["values_unchanged"] == 14 * 3
        assert (
            NeighbourhoodBoundary.objects.filter(neighbourhood__code__startswith="WK0796").count()
            == 14
        )
        boundary = NeighbourhoodBoundary.objects.get(
            neighbourhood__code="WK079601", neighbourhood__year=2024
        )
        assert boundary.geometry["type"] in {"Polygon", "MultiPolygon"}

    def test_it_stores_the_age_percentages_of_the_map(self, imported):
        assert value("WK079601", "leeftijd-0-14-pct", 2024) == 6
        assert Indicator.objects.get(code="leeftijd-0-14-pct").kind == "percentage"


@pytest.fixture(scope="class")
def utrecht(django_db_setup, django_db_blocker, data_dir):
    with django_db_blocker.unblock():
        wipe_wijkdata()
        yield indicators_import(path=data_dir / KWB_UTRECHT_2023)
        wipe_wijkdata()


class TestKwbUtrecht2023:
    def test_it_reads_the_short_code_layout(self, utrecht):
        assert utrecht.plan.parsed.format == "cbs_kwb"
        assert utrecht.plan.parsed.years == [2023]
        assert "kwb-2023" in utrecht.plan.parsed.year_note
        assert value("GM0344", "inwoners", 2023) == 367947
        assert Neighbourhood.objects.get(code="WK034401", year=2023).name == "Wijk 01 West"

    def test_it_maps_short_codes_to_named_indicators(self, utrecht):
        assert Indicator.objects.get(code="sociale-huur").kind == "percentage"
        assert value("GM0344", "sociale-huur", 2023) == 31
        assert value("GM0344", "huishoudensgrootte", 2023) == Decimal("1.9")

    def test_it_stores_dots_as_missing_with_a_reason_never_zero(self, utrecht):
        missing = IndicatorValue.objects.filter(value__isnull=True)
        assert missing.count() == utrecht.counts["values_missing"] > 0
        assert not missing.filter(missing_reason="").exists()
        assert "(.)" in missing.first().missing_reason

    def test_it_skips_columns_without_any_figure(self, utrecht):
        assert not Indicator.objects.filter(code="elektriciteit").exists()
        assert any("g_ele" in note for note in utrecht.plan.parsed.notes)


@pytest.fixture(scope="class")
def health(django_db_setup, django_db_blocker, data_dir):
    with django_db_blocker.unblock():
        wipe_wijkdata()
        yield indicators_import(path=data_dir / HEALTH_2020)
        wipe_wijkdata()


@pytest.fixture(scope="class")
def national_health(django_db_setup, django_db_blocker, national_dir):
    with django_db_blocker.unblock():
        wipe_wijkdata()
        yield indicators_import(path=national_dir / NATIONAL_HEALTH_2020)
        wipe_wijkdata()


@pytest.mark.shared_data
class TestNationalGezondheidsmonitor2020:
    def test_it_reads_every_region_of_the_country(self, national_health):
        assert national_health.plan.parsed.format == "gezondheidsmonitor"
        assert national_health.counts["regions_in_file"] == 17340
        assert national_health.counts["values_missing"] == 24608
        assert value("BU07960101", "ggd-eenzaam", 2020) == Decimal("46.4")


class TestGezondheidsmonitor2020:
    def test_it_reads_the_health_monitor(self, health, data_dir):
        parsed = health.plan.parsed
        assert parsed.format == "gezondheidsmonitor"
        assert parsed.years == [2020]
        # Every row of the subset but the Nederland row (skipped: not a municipal region).
        assert health.counts["regions_in_file"] == health.counts["rows_read"] - 1
        assert health.counts["skipped"] == {"land": 1}
        assert health.plan.source.startswith("Gezondheidsmonitor")

    def test_it_knows_the_facts_of_buurt_0101(self, health):
        assert value("BU07960101", "ggd-eenzaam", 2020) == Decimal("46.4")
        assert value("BU07960101", "ggd-moeite-met-rondkomen", 2020) == Decimal("13.8")
        eenzaam = Indicator.objects.get(code="ggd-eenzaam")
        assert (eenzaam.kind, eenzaam.direction) == ("percentage", "lower")

    def test_it_names_regions_by_code_until_a_file_with_names_arrives(self, health):
        assert Neighbourhood.objects.get(code="BU07960101", year=2020).name == "BU07960101"
        assert Neighbourhood.objects.get(code="GM0796", year=2020).name == "'s-Hertogenbosch"

    def test_it_skips_the_empty_columns(self, health):
        assert not Indicator.objects.filter(code="ggd-fietsen-school-werk").exists()
        assert health.counts["values_missing"] > 0
