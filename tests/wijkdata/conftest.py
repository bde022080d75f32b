"""Fixtures for the wijkdata tests: the real files in ../shared/data and small variants."""

from __future__ import annotations

from pathlib import Path

import pytest

from wijkdata.models import Indicator, IndicatorValue, Neighbourhood, NeighbourhoodBoundary

# tests/wijkdata/conftest.py → repository root → its sibling shared/data (as in CI).
REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT.parent / "shared" / "data"

KWB_2024 = "cbs_kwb_2024/Kerncijfers_wijken_en_buurten_2024_geslachten.csv"
KWB_UTRECHT_2023 = "cbs_kwb_utrecht_2023/CBS-Utrecht-kwb-2023.xlsx"
HEALTH_2020 = "gezondheidsmonitor_2020/RIVM_gezondheid2020_18+.xlsx"
BOUNDARIES = [
    "wijkgrenzen_2024/wijken_2024_GM0796_s-Hertogenbosch.geojson",
    "wijkgrenzen_2024/wijken_2024_GM0307_Amersfoort.geojson",
]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA_DIR.is_dir():
        pytest.fail(f"{DATA_DIR} is missing: shared/ must sit beside the repository")
    return DATA_DIR


@pytest.fixture(scope="session")
def kwb_lines(data_dir) -> list[str]:
    """The national KWB 2024 CSV as text lines (BOM removed), header first."""
    text = (data_dir / KWB_2024).read_bytes().decode("utf-8-sig")
    return text.splitlines()


@pytest.fixture(scope="session")
def kwb_den_bosch(kwb_lines) -> str:
    """Header plus the 123 rows of 's-Hertogenbosch (1 gemeente, 14 wijken, 108 buurten)."""
    rows = [line for line in kwb_lines[1:] if any(f"{p}0796" in line for p in ("GM", "WK", "BU"))]
    return "\r\n".join([kwb_lines[0], *rows]) + "\r\n"


def wipe_wijkdata() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        # Deleting half a million rows one by one (cascades, signals) takes seconds.
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE wijkdata_indicatorvalue, wijkdata_neighbourhoodboundary, "
                "wijkdata_importbatch, wijkdata_neighbourhood, wijkdata_indicator CASCADE"
            )
        return
    IndicatorValue.objects.all().delete()
    NeighbourhoodBoundary.objects.all().delete()
    Neighbourhood.objects.all().delete()
    Indicator.objects.all().delete()


def nothing_written() -> bool:
    return not (
        Neighbourhood.objects.exists()
        or Indicator.objects.exists()
        or IndicatorValue.objects.exists()
    )


TEST_FIGURES = (
    "Codering;Naam;Aantal inwoners;Eenzaam;Moeite met rondkomen;Mannen\n"
    "GM9999;Teststad;100000;40,0;12,0;49000\n"
    "WK999901;Centrum;10000;50,0;11,5;5100\n"
    "BU99990101;Oude kern;4000;55,0;.;2000\n"
    "BU99990102;Haven;6000;46,0;20,0;3100\n"
    "WK999902;Noord;20000;30,0;9,0;9900\n"
)


@pytest.fixture
def area_with_figures(people):
    """The test area (gemeente GM9999) covering wijk Centrum, with 2024 figures imported."""
    from wijkdata.services import indicators_import

    indicators_import(
        data=TEST_FIGURES.encode(), file_name="test.csv", year=2024, source="Testbron"
    )
    centrum = Neighbourhood.objects.get(code="WK999901", year=2024)
    people.area.neighbourhoods.add(centrum)
    return people
