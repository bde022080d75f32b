"""The layouts and quirks of real files: recognised from the content, read exactly."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from wijkdata.importing import catalogue
from wijkdata.importing.numbers import parse_numbers
from wijkdata.models import Indicator, IndicatorValue, Neighbourhood
from wijkdata.services import indicators_import

pytestmark = pytest.mark.django_db


def figure(code: str, indicator: str, year: int = 2024):
    return IndicatorValue.objects.get(
        neighbourhood__code=code, neighbourhood__year=year, indicator__code=indicator
    )


def xlsx(rows, title="Blad1") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class TestNumbers:
    def test_it_reads_the_ways_real_files_write_numbers(self):
        parsed = parse_numbers(["    46.4", "76,1", "1.234,5", "74%", "160757", "−3", "1e3"])
        assert parsed.values.tolist() == [46.4, 76.1, 1234.5, 74.0, 160757.0, -3.0, 1000.0]
        assert parsed.has_percent

    def test_it_keeps_missing_cells_missing_with_their_reason(self):
        parsed = parse_numbers([".", "  .  ", "", None, "-", "x", "-99997", "-99995"])
        assert all(v != v for v in parsed.values)  # NaN: never 0
        assert parsed.reasons.tolist() == [
            "onbekend, onvoldoende betrouwbaar of geheim (.)",
            "onbekend, onvoldoende betrouwbaar of geheim (.)",
            "leeg in de bron",
            "leeg in de bron",
            "niet beschikbaar (-)",
            "geheim (x)",
            "niet gepubliceerd (CBS-code -99997)",
            "niet gepubliceerd (CBS-code -99995)",
        ]
        assert not parsed.bad.any()

    def test_it_flags_words_and_huge_numbers(self):
        parsed = parse_numbers(["abc", "nan", "inf", "12a", "1e12"])
        assert parsed.bad.tolist() == [True, True, True, True, False]
        assert parsed.too_big.tolist() == [False, False, False, False, True]

    def test_it_reads_dots_as_thousands_in_a_decimal_comma_column(self):
        parsed = parse_numbers(["1.234", "12,5"])
        assert parsed.values.tolist() == [1234.0, 12.5]


class TestCatalogue:
    @pytest.mark.parametrize(
        "header",
        [
            "Bevolking/Aantal inwoners (aantal)",
            "AantalInwoners_5",
            "a_inw",
            "aantal_inwoners",
            "Aantal inwoners",
        ],
    )
    def test_it_finds_inhabitants_under_every_name(self, header):
        assert catalogue.lookup(header).code == "inwoners"

    def test_it_tells_counts_from_percentages_by_the_unit(self):
        assert catalogue.lookup("Leeftijdsgroepen/0 tot 15 jaar (aantal)").code == "leeftijd-0-14"
        assert (
            catalogue.lookup("Leeftijdsgroepen/0 tot 15 jaar (%)", unit="%").code
            == "leeftijd-0-14-pct"
        )
        assert catalogue.lookup("k_0Tot15Jaar_8").code == "leeftijd-0-14"

    def test_it_derives_a_code_for_an_unknown_column(self):
        derived = catalogue.derive("Bevolking/Personen met AOW (aantal)")
        assert (derived.code, derived.name, derived.kind, derived.unit) == (
            "bevolking-personen-met-aow",
            "Bevolking / Personen met AOW",
            "count",
            "aantal",
        )
        assert catalogue.derive("ErvarenEenzaamheid_12").code == "ervaren-eenzaamheid"
        assert catalogue.derive("Aandeel huurders (%)").kind == "percentage"


class TestStatLineExports:
    def test_it_reads_title_lines_units_and_the_source_line(self):
        text = (
            "Kerncijfers wijken en buurten 2022\n"
            "\n"
            '"Regio\'s";"Codering";"Perioden";"Bevolking|Aantal inwoners";"Bevolking|Mannen";"Wonen|Woningvoorraad"\n'
            ';;;"aantal";"aantal";"aantal"\n'
            '"\'s-Hertogenbosch";"GM0796    ";"2022";"157 486";"78.012";"."\n'
            '"Binnenstad";"WK079601  ";"2022";"13 530";-99997;"9.100"\n'
            "\n"
            '"Bron: CBS, Kerncijfers 2022"\n'
        )
        result = indicators_import(data=text.encode("utf-8"), file_name="x.csv")
        parsed = result.plan.parsed
        assert parsed.years == [2022]
        assert result.plan.source == "CBS, Kerncijfers 2022"
        assert figure("GM0796", "inwoners", 2022).value == 157486
        assert figure("GM0796", "mannen", 2022).value == 78012
        missing = figure("WK079601", "mannen", 2022)
        assert (missing.value, missing.missing_reason) == (
            None,
            "niet gepubliceerd (CBS-code -99997)",
        )
        assert figure("GM0796", "woningvoorraad", 2022).value is None
        assert figure("WK079601", "woningvoorraad", 2022).value == 9100

    def test_it_reads_latin_1_and_crlf(self):
        text = (
            "Regio;Codering;Aantal inwoners\r\n"
            "Súdwest-Fryslân;GM1900;91.954\r\n"
            "Lumièrepark;BU00341807;0\r\n"
        )
        indicators_import(data=text.encode("latin-1"), file_name="x.csv", year=2024)
        assert Neighbourhood.objects.get(code="GM1900").name == "Súdwest-Fryslân"
        assert Neighbourhood.objects.get(code="BU00341807").name == "Lumièrepark"
        assert figure("GM1900", "inwoners").value == 91954

    def test_it_makes_parents_of_buurten_that_come_alone(self):
        indicators_import(
            data=b"Codering;Aantal inwoners\nBU07960101;6960\n", file_name="x.csv", year=2024
        )
        buurt = Neighbourhood.objects.select_related("parent__parent").get(code="BU07960101")
        assert buurt.name == "BU07960101"  # provisional until a file with names arrives
        assert (buurt.parent.code, buurt.parent.level, buurt.parent.parent.code) == (
            "WK079601",
            "district",
            "GM0796",
        )

    def test_it_renames_provisional_regions_when_names_arrive(self):
        indicators_import(
            data=b"Codering;Aantal inwoners\nWK079601;13000\n", file_name="x.csv", year=2024
        )
        result = indicators_import(
            data=b"Codering;Naam;Aantal inwoners\nWK079601;Binnenstad;13895\n",
            file_name="y.csv",
            year=2024,
        )
        assert Neighbourhood.objects.get(code="WK079601").name == "Binnenstad"
        assert result.counts["regions_changed"] == 1
        assert result.counts["values_changed"] == 1
        assert figure("WK079601", "inwoners").value == 13895

    def test_it_keeps_names_when_a_file_has_none(self):
        indicators_import(
            data=b"Codering;Naam;Aantal inwoners\nWK079601;Binnenstad;1\n", file_name="x", year=2024
        )
        indicators_import(data=b"Codering;Aantal inwoners\nWK079601;2\n", file_name="y", year=2024)
        assert Neighbourhood.objects.get(code="WK079601").name == "Binnenstad"

    def test_it_keeps_every_year_apart(self):
        indicators_import(
            data=b"Codering;Naam;Aantal inwoners\nWK030702;Zonnehof;100\n", file_name="x", year=2016
        )
        indicators_import(
            data=b"Codering;Naam;Aantal inwoners\nWK030702;Nederberg;200\n",
            file_name="x",
            year=2024,
        )
        assert Neighbourhood.objects.get(code="WK030702", year=2016).name == "Zonnehof"
        assert Neighbourhood.objects.get(code="WK030702", year=2024).name == "Nederberg"
        assert figure("WK030702", "inwoners", 2016).value == 100

    def test_it_makes_indicators_of_unknown_columns(self):
        text = "Codering;Bevolking/Personen met AOW (aantal);Buurtscore sociale cohesie\nGM0796;31000;6,3\n"
        indicators_import(data=text.encode(), file_name="x", year=2024)
        assert (
            Indicator.objects.get(code="bevolking-personen-met-aow").name
            == "Bevolking / Personen met AOW"
        )
        assert figure("GM0796", "buurtscore-sociale-cohesie").value == Decimal("6.3")

    def test_it_reads_an_excel_file_whatever_its_sheet_is_called(self):
        data = xlsx(
            [
                ["Overzicht"],
                [],
                ["gwb_code", "regio", "a_inw", "p_huurw"],
                ["GM0796", "'s-Hertogenbosch", 160757, "44"],
                ["WK079601", "Binnenstad", 13895, "."],
            ],
            title="Mijn blad",
        )
        result = indicators_import(data=data, file_name="x.xlsx", year=2024)
        assert result.plan.parsed.sheet == "Mijn blad"
        assert figure("WK079601", "inwoners").value == 13895
        assert figure("WK079601", "huurwoningen").missing_reason.endswith("(.)")

    def test_it_sees_the_format_not_the_file_name(self, kwb_den_bosch):
        result = indicators_import(
            data=kwb_den_bosch.encode(), file_name="gezondheid.xlsx", year=2024
        )
        assert result.plan.parsed.format == "cbs_statline"
        result = indicators_import(data=kwb_den_bosch.encode(), file_name="kwb-2019.csv", year=2024)
        assert result.plan.parsed.years == [2024]


class TestWideTables:
    SEED = (
        "Gebied;WK079601 Binnenstad;WK079611 Spoorzone;Gemeente 's-Hertogenbosch (GM0796)\n"
        "<b>Buurtscore</b> (nee/nooit = 0   ja/zeker = 100);;;\n"
        "Voldoende sociale contacten;76,1;82,6;81,8\n"
        "Eenzaam of alleen voelen;28,3;24,0;24,1\n"
        "Schaalscore;;;\n"
        "Sociale cohesie;5,9;6,4;6,3\n"
        "Rapportcijfer;;;\n"
        "Gelukkig zijn;7,6;7,7;7,6\n"
        "Percentages;;;\n"
        "Mantelzorgers;12%;12%;13%\n"
        "Huishoudens met bijstandsuitkering;6%;-;6%\n"
        "Bron: Wijkmonitor 2023\n"
    )

    def test_it_reads_the_seed_table_layout(self):
        result = indicators_import(data=self.SEED.encode(), file_name="tabel.csv", year=2023)
        assert result.plan.parsed.format == "wide"
        assert result.plan.source == "Wijkmonitor 2023"
        # The seed's rows are the demo's indicators, which the catalogue knows by name.
        assert figure("WK079601", "sociale-contacten", 2023).value == Decimal("76.1")
        assert figure("GM0796", "eenzaam", 2023).value == Decimal("24.1")
        kinds = dict(Indicator.objects.values_list("code", "kind"))
        assert kinds["sociale-contacten"] == "score"
        assert kinds["sociale-cohesie"] == "scale"
        assert kinds["gelukkig"] == "grade"
        assert kinds["mantelzorgers"] == "percentage"
        missing = figure("WK079611", "bijstand", 2023)
        assert (missing.value, missing.missing_reason) == (None, "niet beschikbaar (-)")
        assert Neighbourhood.objects.get(code="WK079601", year=2023).name == "Binnenstad"
        assert Neighbourhood.objects.get(code="GM0796", year=2023).name == "'s-Hertogenbosch"

    def test_it_reads_a_wide_excel_table_and_refuses_text(self):
        from wijkdata.importing.problems import ImportRefused

        data = xlsx([["Indicator", "GM0796", "WK079601"], ["Aantal inwoners", 160757, "veel"]])
        with pytest.raises(ImportRefused) as info:
            indicators_import(data=data, file_name="x.xlsx", year=2024)
        assert [p.message for p in info.value.problems] == [
            "Rij 2, kolom 'WK079601': 'veel' is geen getal."
        ]

    def test_it_needs_a_year(self):
        from wijkdata.importing.problems import ImportRefused

        with pytest.raises(ImportRefused):
            indicators_import(data=self.SEED.encode(), file_name="tabel.csv")


class TestGeoJson:
    def test_it_needs_a_year_without_metadata(self):
        from wijkdata.importing.problems import ImportRefused

        text = '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"wijkcode": "WK079601", "aantal_inwoners": 5}, "geometry": null}]}'
        with pytest.raises(ImportRefused):
            indicators_import(data=text.encode(), file_name="w.geojson")
        result = indicators_import(data=text.encode(), file_name="w.geojson", year=2024)
        assert result.counts["values_new"] == 1
