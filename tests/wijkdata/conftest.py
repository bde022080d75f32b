"""Fixtures for the wijkdata tests: small real files in tests/data, and variants of them.

`data_dir` is tests/data (subsets of the real files, see its README); `national_dir` is
../shared/data with the full national files, for tests marked `shared_data` only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wijkdata.models import Indicator, IndicatorValue, Neighbourhood, NeighbourhoodBoundary

# tests/wijkdata/conftest.py → repository root.
REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "tests" / "data"
NATIONAL_DIR = REPO_ROOT.parent / "shared" / "data"

# In tests/data (always there).
KWB_2024 = "kwb_2024_subset.csv"
KWB_UTRECHT_2023 = "CBS-Utrecht-kwb-2023.xlsx"
HEALTH_2020 = "gezondheidsmonitor_2020_GM0796.xlsx"
BOUNDARIES = [
    "wijken_2024_GM0796_s-Hertogenbosch.geojson",
    "wijken_2024_GM0307_Amersfoort.geojson",
]
# In ../shared/data (tests marked shared_data).
NATIONAL_KWB_2024 = "cbs_kwb_2024/Kerncijfers_wijken_en_buurten_2024_geslachten.csv"
NATIONAL_HEALTH_2020 = "gezondheidsmonitor_2020/RIVM_gezondheid2020_18+.xlsx"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA_DIR


@pytest.fixture(scope="session")
def national_dir() -> Path:
    if not NATIONAL_DIR.is_dir():
        pytest.fail(f"{NATIONAL_DIR} is missing: mark the test `shared_data`")
    return NATIONAL_DIR


@pytest.fixture(scope="session")
def kwb_lines(data_dir) -> list[str]:
    """The KWB 2024 CSV subset as text lines (BOM removed), header first."""
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
