"""import_indicators and export_indicators, called as an administrator would."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from wijkdata.models import IndicatorValue, Neighbourhood

from .conftest import nothing_written

pytestmark = pytest.mark.django_db


@pytest.fixture
def den_bosch_file(tmp_path, kwb_den_bosch):
    path = tmp_path / "kwb-2024-denbosch.csv"
    path.write_bytes(b"\xef\xbb\xbf" + kwb_den_bosch.encode())
    return path


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


class TestImportIndicators:
    def test_it_imports_and_prints_a_summary(self, den_bosch_file):
        output = run("import_indicators", str(den_bosch_file), "--year", "2024")
        assert "Formaat: CBS StatLine-export" in output
        assert "Rijen gelezen: 123" in output
        assert "Gebieden: 123 nieuw" in output
        assert "Indicatoren: 8 nieuw, 0 bestaand" in output
        assert "Waarden: 984 nieuw, 0 gewijzigd, 0 ongewijzigd; 0 ontbrekend" in output
        assert output.rstrip().endswith("Ingelezen.")
        assert (
            IndicatorValue.objects.get(
                neighbourhood__code="GM0796", indicator__code="inwoners"
            ).value
            == 160757
        )

    def test_it_changes_nothing_the_second_time(self, den_bosch_file):
        run("import_indicators", str(den_bosch_file), "--year", "2024")
        output = run("import_indicators", str(den_bosch_file), "--year", "2024")
        assert "Waarden: 0 nieuw, 0 gewijzigd, 984 ongewijzigd" in output
        assert "Niets te doen" in output

    def test_it_writes_nothing_on_a_dry_run(self, den_bosch_file):
        output = run("import_indicators", str(den_bosch_file), "--year", "2024", "--dry-run")
        assert "Waarden: 984 nieuw" in output
        assert "Proefimport: er is niets opgeslagen." in output
        assert nothing_written()

    def test_it_takes_the_source_given(self, den_bosch_file):
        run("import_indicators", str(den_bosch_file), "--year", "2024", "--source", "CBS 2024")
        assert set(IndicatorValue.objects.values_list("source", flat=True)) == {"CBS 2024"}

    def test_it_exits_non_zero_with_the_problems(self, den_bosch_file):
        with pytest.raises(CommandError) as info:
            run("import_indicators", str(den_bosch_file))
        message = str(info.value)
        assert message.startswith("Het bestand is niet ingelezen; er is niets opgeslagen.")
        assert "Dit bestand noemt geen jaar" in message
        assert "(optie --year)" in message
        assert nothing_written()

    def test_it_exits_non_zero_from_the_command_line(self, den_bosch_file):
        import subprocess
        import sys

        from django.conf import settings

        result = subprocess.run(
            [sys.executable, "manage.py", "import_indicators", str(den_bosch_file), "--dry-run"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1
        assert "Dit bestand noemt geen jaar" in result.stderr

    def test_it_reports_a_missing_file(self, tmp_path):
        with pytest.raises(CommandError, match="kan niet worden geopend"):
            run("import_indicators", str(tmp_path / "weg.csv"))


class TestExportIndicators:
    @pytest.fixture
    def imported(self, den_bosch_file):
        run("import_indicators", str(den_bosch_file), "--year", "2024")

    def test_it_writes_long_format_csv(self, imported):
        output = run("export_indicators", "--municipality", "GM0796", "--year", "2024")
        rows = list(csv.reader(io.StringIO(output)))
        assert rows[0] == [
            "code",
            "name",
            "level",
            "year",
            "indicator",
            "indicator_name",
            "value",
            "missing_reason",
            "unit",
            "source",
        ]
        assert rows[1] == [
            "GM0796",
            "'s-Hertogenbosch",
            "municipality",
            "2024",
            "inwoners",
            "Aantal inwoners",
            "160757",
            "",
            "aantal",
            "CBS, Kerncijfers wijken en buurten",
        ]
        assert len(rows) == 1 + 123 * 8
        assert [r[2] for r in rows[1:]].index(
            "district"
        ) == 8  # gemeente first, then wijken, then buurten

    def test_it_leaves_value_empty_when_missing(self, imported):
        figure = IndicatorValue.objects.filter(neighbourhood__code="BU07960101").first()
        figure.value, figure.missing_reason = None, "geheim (x)"
        figure.save()
        output = run("export_indicators", "--municipality", "GM0796")
        row = next(
            r
            for r in csv.reader(io.StringIO(output))
            if r[0] == "BU07960101" and r[4] == figure.indicator.code
        )
        assert (row[6], row[7]) == ("", "geheim (x)")

    def test_it_writes_a_file(self, imported, tmp_path):
        out = tmp_path / "export.csv"
        call_command(
            "export_indicators", "--municipality", "GM0796", "--out", str(out), stderr=io.StringIO()
        )
        assert out.read_bytes().decode("utf-8").startswith("code,name,level,year,")

    def test_it_writes_xlsx(self, imported, tmp_path):
        out = tmp_path / "export.xlsx"
        call_command(
            "export_indicators",
            "--municipality",
            "GM0796",
            "--format",
            "xlsx",
            "--out",
            str(out),
            stderr=io.StringIO(),
        )
        sheet = load_workbook(out).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "code"
        assert rows[1][:7] == (
            "GM0796",
            "'s-Hertogenbosch",
            "municipality",
            2024,
            "inwoners",
            "Aantal inwoners",
            160757,
        )

    def test_it_round_trips_through_the_import(self, imported, tmp_path):
        out = tmp_path / "export.csv"
        call_command(
            "export_indicators", "--municipality", "GM0796", "--out", str(out), stderr=io.StringIO()
        )
        output = run("import_indicators", str(out))
        assert "Formaat: Lange tabel" in output
        assert "Waarden: 0 nieuw, 0 gewijzigd, 984 ongewijzigd" in output

    def test_it_refuses_an_unknown_municipality(self, imported):
        with pytest.raises(CommandError, match="geen gegevens van GM0363"):
            run("export_indicators", "--municipality", "GM0363")
        with pytest.raises(CommandError, match="geen gemeentecode"):
            run("export_indicators", "--municipality", "Utrecht")

    def test_it_exports_only_that_municipality(self, imported):
        Neighbourhood.objects.create(code="GM0797", year=2024, level="municipality", name="Heusden")
        output = run("export_indicators", "--municipality", "GM0796")
        assert "GM0797" not in output
