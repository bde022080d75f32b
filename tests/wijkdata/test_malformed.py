"""Broken files are refused with a clear Dutch message, and nothing is written."""

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wijkdata.importing.problems import ImportRefused
from wijkdata.services import indicators_import

from .conftest import KWB_UTRECHT_2023, nothing_written

pytestmark = pytest.mark.django_db


def refuse(data: bytes, **options) -> list[str]:
    with pytest.raises(ImportRefused) as info:
        indicators_import(data=data, file_name="test.csv", **options)
    assert nothing_written()
    return [p.message for p in info.value.problems]


class TestRefusedFiles:
    def test_it_refuses_an_empty_file(self):
        assert refuse(b"") == ["Het bestand is leeg."]
        assert refuse(b"  \r\n\r\n") == ["Het bestand is leeg."]

    def test_it_refuses_a_file_without_codes(self):
        data = b"Wijk;Aantal inwoners\nBinnenstad;13895\nZuidoost;12680\n"
        [message] = refuse(data, year=2024)
        assert message.startswith("Dit bestand bevat geen regiocodes (GM/WK/BU)")
        assert "nooit op naam" in message

    def test_it_refuses_a_wrong_separator(self, kwb_den_bosch):
        [message] = refuse(kwb_den_bosch.replace(";", ":").encode(), year=2024)
        assert "Geen scheidingsteken gevonden" in message

    def test_it_refuses_decimal_commas_in_a_comma_separated_file(self):
        data = "code,naam,Gemiddelde huishoudensgrootte\nGM0796,Den Bosch,2,1\nWK079601,Binnenstad,1,5\n"
        messages = refuse(data.encode(), year=2024)
        assert messages[0] == (
            "Rij 2 heeft 4 kolommen, de kopregel 3. Staat er een decimale komma in een bestand met de "
            "komma als scheidingsteken?"
        )
        assert len(messages) == 2

    def test_it_refuses_a_missing_header(self, kwb_den_bosch):
        body = kwb_den_bosch.split("\r\n", 1)[1]
        [message] = refuse(body.encode(), year=2024)
        assert message.startswith("De kopregel ontbreekt: rij 1 bevat al gegevens (")

    def test_it_refuses_duplicate_codes_and_names_both_rows(self, kwb_den_bosch):
        lines = kwb_den_bosch.split("\r\n")
        data = "\r\n".join([*lines[:4], lines[2], *lines[4:]])
        [message] = refuse(data.encode(), year=2024)
        assert message == "Rij 5: regiocode WK079601 staat ook in rij 3."

    def test_it_refuses_text_in_a_number_column_with_row_and_column(self, kwb_den_bosch):
        lines = kwb_den_bosch.split("\r\n")
        cells = lines[12].split(";")
        cells[5] = "abc"
        lines[12] = ";".join(cells)
        [message] = refuse("\r\n".join(lines).encode(), year=2024)
        assert message == "Rij 13, kolom 'Aantal inwoners': 'abc' is geen getal."

    def test_it_reports_every_problem_not_just_the_first(self, kwb_den_bosch):
        lines = kwb_den_bosch.split("\r\n")
        for i in (5, 9, 30):
            cells = lines[i].split(";")
            cells[6] = "veel"
            lines[i] = ";".join(cells)
        messages = refuse("\r\n".join(lines).encode(), year=2024)
        assert [m.split(",")[0] for m in messages] == ["Rij 6", "Rij 10", "Rij 31"]

    def test_it_names_rows_of_the_wrong_width_far_into_a_long_file(self):
        # Thousands of rows (read in blocks): a short row and a long one deep inside, and
        # a column that only the long row has, are still each reported with their row.
        lines = ["Buurt;Codering;Aantal inwoners"]
        lines += [f"Buurt {i};BU0796{i:04d};{i % 500}" for i in range(5000)]
        lines[2300] = lines[2300].rsplit(";", 1)[0]
        lines[4500] += ";7"
        messages = refuse(("\n".join(lines) + "\n").encode(), year=2024)
        assert messages == [
            "Rij 2301 heeft 2 kolommen, de kopregel 3.",
            "Rij 4501 heeft 4 kolommen, de kopregel 3.",
        ]

    def test_it_refuses_a_truncated_file(self, kwb_den_bosch):
        cut = kwb_den_bosch.index("Muntel")  # in the middle of a buurt's row
        messages = refuse(kwb_den_bosch[: cut + 3].encode(), year=2024)
        assert any("afgekapt" in m for m in messages)

    def test_it_refuses_a_row_cut_after_a_separator(self, kwb_den_bosch):
        data = kwb_den_bosch.rstrip("\r\n")
        data = data[: data.rindex(";") + 1]
        [message] = refuse(data.encode(), year=2024)
        assert "het bestand lijkt afgekapt" in message

    def test_it_refuses_a_truncated_excel_file(self, data_dir):
        data = (data_dir / KWB_UTRECHT_2023).read_bytes()
        [message] = refuse(data[: len(data) // 2])
        assert "Excel-bestand is beschadigd of onvolledig" in message

    def test_it_refuses_binary_garbage(self):
        [message] = refuse(bytes(range(256)) * 20)
        assert "geen CSV-, Excel- of GeoJSON-bestand" in message

    def test_it_refuses_a_file_above_the_size_limit(self, tmp_path):
        path = tmp_path / "groot.csv"
        with path.open("wb") as handle:
            handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
        with pytest.raises(ImportRefused) as info:
            indicators_import(path=path, year=2024)
        [problem] = info.value.problems
        assert problem.message.startswith("Dit bestand is 50,0 MB; de grens is 40,0 MB.")
        assert nothing_written()

    def test_it_applies_the_size_setting_to_uploaded_bytes(self, settings, kwb_den_bosch):
        settings.IMPORT_MAX_BYTES = 1000
        [message] = refuse(kwb_den_bosch.encode(), year=2024)
        assert "de grens is 0,0 MB" in message

    def test_it_needs_a_year_when_the_file_has_none(self, kwb_den_bosch):
        [message] = refuse(kwb_den_bosch.encode())
        assert message.startswith("Dit bestand noemt geen jaar. Geef op over welk jaar")
        assert "nooit uit de bestandsnaam" in message
        assert "--" not in message  # the upload page shows it too: no command-line flags

    def test_it_refuses_a_year_that_contradicts_the_file(self):
        data = b"WijkenEnBuurten;Perioden;Eenzaam_28\nGM0796;2020JJ00;40,1\n"
        [message] = refuse(data, year=2021)
        assert (
            message
            == "Het bestand gaat over 2020 (kolom 'Perioden'), maar als jaar is 2021 opgegeven."
        )

    def test_it_refuses_periods_that_are_not_years(self):
        data = b"WijkenEnBuurten;Perioden;Eenzaam_28\nGM0796;2020KW01;40,1\n"
        [message] = refuse(data)
        assert "'2020KW01' is geen jaar" in message

    def test_it_refuses_an_invalid_code_in_the_code_column(self, kwb_den_bosch):
        lines = kwb_den_bosch.split("\r\n")
        lines[3] = lines[3].replace("BU07960101", "BU0796010X1")
        [message] = refuse("\r\n".join(lines).encode(), year=2024)
        assert message.startswith("Rij 4, kolom 'Codering': 'BU0796010X1' is geen regiocode")

    def test_it_refuses_a_table_without_figures(self):
        data = b"code;naam\nGM0796;'s-Hertogenbosch\nWK079601;Binnenstad\n"
        [message] = refuse(data, year=2024)
        assert message == "Dit bestand bevat geen kolommen met cijfers."

    def test_it_refuses_a_sheet_that_does_not_exist(self, data_dir):
        [message] = refuse((data_dir / KWB_UTRECHT_2023).read_bytes(), sheet="Blad1")
        assert message == "Werkblad 'Blad1' bestaat niet; dit bestand heeft: 'kwb-2023'."

    def test_it_refuses_a_zip_that_is_not_a_workbook(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "hallo")
        [message] = refuse(buffer.getvalue())
        assert "Excel-bestand is beschadigd" in message


# --- property: whatever breaks a valid file, the import refuses it and writes nothing ------

CODES = st.sampled_from(
    ["GM0796", "WK079601", "WK079602", "BU07960101", "BU07960102", "BU07960201"]
)


@st.composite
def valid_tables(draw):
    codes = draw(st.lists(CODES, min_size=2, max_size=6, unique=True))
    separator = draw(st.sampled_from([";", ",", "\t"]))
    decimal = "," if separator != "," else "."
    rows = []
    for code in codes:
        inhabitants = draw(st.integers(min_value=0, max_value=200000))
        lonely = draw(st.decimals(min_value=0, max_value=100, places=1, allow_nan=False))
        lonely_text = draw(st.sampled_from([str(lonely).replace(".", decimal), ".", ""]))
        rows.append([code, f"Gebied {code[-2:]}", str(inhabitants), lonely_text])
    return separator, ["Codering", "Naam", "Aantal inwoners", "Eenzaam"], rows


def render(separator: str, header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(separator.join(r) for r in [header, *rows]) + "\n"


BREAKAGES = [
    "text",
    "duplicate",
    "short_row",
    "no_header",
    "bad_code",
    "empty",
    "cut_quote",
    "no_codes",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=valid_tables(), breakage=st.sampled_from(BREAKAGES), data=st.data())
def test_it_refuses_every_broken_variant_and_writes_nothing(table, breakage, data):
    separator, header, rows = table
    index = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    rows = [list(r) for r in rows]
    if breakage == "text":
        rows[index][2] = data.draw(
            st.sampled_from(["abc", "12a", "n/a", "1.2.3,4,5", "nan", "inf"])
        )
    elif breakage == "duplicate":
        rows.append(list(rows[index]))
    elif breakage == "short_row":
        rows[index] = rows[index][:2]
    elif breakage == "no_header":
        header = rows.pop(index)
        if not rows:
            rows = [header]
    elif breakage == "bad_code":
        rows[index][0] = data.draw(st.sampled_from(["GM079", "WK07960", "XX0796", "BU0796010"]))
    elif breakage == "no_codes":
        for row in rows:
            row[0] = row[1]
    text = "" if breakage == "empty" else render(separator, header, rows)
    if breakage == "cut_quote":
        text = render(separator, header, rows) + f'{rows[index][0]}{separator}"Gebied'
    with pytest.raises(ImportRefused) as info:
        indicators_import(data=text.encode(), file_name="kapot.csv", year=2024)
    assert info.value.problems
    assert all(p.message.strip() for p in info.value.problems)
    assert nothing_written()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=valid_tables())
def test_it_imports_every_valid_variant_once(table):
    from django.db import transaction

    from wijkdata.models import IndicatorValue

    separator, header, rows = table
    data = render(separator, header, rows).encode()
    with transaction.atomic():
        first = indicators_import(data=data, file_name="goed.csv", year=2024)
        assert first.counts["regions_in_file"] == len(rows)
        assert IndicatorValue.objects.filter(value__isnull=True, missing_reason="").count() == 0
        again = indicators_import(data=data, file_name="goed.csv", year=2024)
        assert again.applied is False
        transaction.set_rollback(True)
