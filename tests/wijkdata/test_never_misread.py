"""Files with the quirks of real public exports: each is imported correctly or refused with a
message that names row and column, and a refused file writes nothing (issue 11)."""

from __future__ import annotations

import io
import zipfile

import pytest

from wijkdata.importing.problems import ImportRefused
from wijkdata.models import Indicator, IndicatorValue, Neighbourhood
from wijkdata.services import indicators_import

from .conftest import nothing_written

pytestmark = pytest.mark.django_db


def refused(data: bytes, **options) -> list[str]:
    options.setdefault("file_name", "test.csv")
    with pytest.raises(ImportRefused) as info:
        indicators_import(data=data, **options)
    assert nothing_written()
    return [p.message for p in info.value.problems]


def value(code: str, indicator: str, year: int = 2024):
    return IndicatorValue.objects.get(
        neighbourhood__code=code, neighbourhood__year=year, indicator__code=indicator
    ).value


class TestNotATable:
    def test_it_calls_a_word_file_no_csv_or_excel_file(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml", "<w:document/>")
        [message] = refused(buffer.getvalue(), file_name="wijkcijfers.docx")
        assert message.startswith("Dit is een Word-bestand, geen CSV- of Excel-bestand.")
        assert "beschadigd" not in message

    def test_it_calls_an_old_word_file_no_csv_or_excel_file(self):
        ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500
        ole += "WordDocument".encode("utf-16-le") + b"\x00" * 500
        [message] = refused(ole, file_name="wijkcijfers.doc")
        assert message.startswith("Dit is een Word-bestand, geen CSV- of Excel-bestand.")

    def test_it_calls_a_pdf_no_csv_or_excel_file(self):
        [message] = refused(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", file_name="plan.pdf")
        assert message.startswith("Dit is een PDF-bestand, geen CSV- of Excel-bestand.")


class TestIdentifyingColumns:
    FILE = (
        "gemnr;Gemeentecode;Gemeentenaam;Wijkcode;Wijknaam;Aantal inwoners\n"
        "796;GM0796;'s-Hertogenbosch;WK079601;Binnenstad;13895\n"
        "796;GM0796;'s-Hertogenbosch;WK079602;Zuidoost;12680\n"
        "796;GM0796;'s-Hertogenbosch;WK079603;Graafsepoort;14200\n"
    )

    def test_it_never_makes_a_number_column_an_indicator(self):
        result = indicators_import(data=self.FILE.encode(), file_name="wijken.csv", year=2024)
        assert [d.code for d in result.plan.parsed.indicators] == ["inwoners"]
        assert not Indicator.objects.exclude(code="inwoners").exists()
        assert any("'gemnr'" in note for note in result.plan.parsed.notes)
        assert value("WK079602", "inwoners") == 12680

    def test_it_names_the_regions_from_the_name_columns(self):
        indicators_import(data=self.FILE.encode(), file_name="wijken.csv", year=2024)
        assert Neighbourhood.objects.get(code="WK079601").name == "Binnenstad"
        assert Neighbourhood.objects.get(code="GM0796").name == "'s-Hertogenbosch"

    def test_it_skips_an_unnamed_number_column_that_repeats_the_municipality(self):
        data = "Wijkcode;Wijknaam;GM;Eenzaam (%)\nWK079601;Binnenstad;796;41\nWK079602;Zuidoost;796;38\n"
        result = indicators_import(data=data.encode(), file_name="w.csv", year=2024)
        assert [d.name for d in result.plan.parsed.indicators] == ["Eenzaam"]
