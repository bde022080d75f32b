"""Files with the quirks of real public exports: each is imported correctly or refused with a
message that names row and column, and a refused file writes nothing (issue 11)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from decimal import Decimal

import pytest

from wijkdata.importing.problems import ImportRefused
from wijkdata.models import Indicator, IndicatorValue, Neighbourhood, NeighbourhoodBoundary
from wijkdata.services import indicators_import

from .conftest import BOUNDARIES, nothing_written

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


class TestShiftedRows:
    HEADER = "Codering;Naam;Aantal inwoners;Mannen;Vrouwen;% sociale huurwoningen\n"

    def test_it_refuses_a_part_larger_than_its_whole_by_row_and_column(self):
        data = (
            self.HEADER
            + "WK079601;Binnenstad;13895;7010;6885;31\n"
            # Shifted one column to the left: Mannen holds the inhabitants of the next row.
            + "WK079602;Zuidoost;6500;12680;6100;28\n"
            + "WK079603;Graafsepoort;14200;7000;7200;40\n"
        )
        [message] = refused(data.encode(), year=2024)
        assert message.startswith(
            "Rij 3, kolom 'Mannen': 12680 is meer dan 'Aantal inwoners' (6500)"
        )
        assert "verkeerde kolom" in message

    def test_it_refuses_every_share_outside_0_to_100(self):
        data = (
            self.HEADER
            + "WK079601;Binnenstad;13895;7010;6885;131\n"
            + "WK079602;Zuidoost;12680;6100;6580;28\n"
            + "WK079603;Graafsepoort;14200;7000;7200;-4\n"
        )
        messages = refused(data.encode(), year=2024)
        assert [m.split(":")[0] for m in messages] == [
            "Rij 2, kolom '% sociale huurwoningen'",
            "Rij 4, kolom '% sociale huurwoningen'",
        ]
        assert "131 kan niet, want een percentage ligt tussen 0 en 100" in messages[0]

    def test_it_refuses_a_negative_count(self):
        data = "Codering;Naam;Aantal inwoners (aantal)\nWK079601;Binnenstad;-13895\n"
        [message] = refused(data.encode(), year=2024)
        assert message.startswith("Rij 2, kolom 'Aantal inwoners': -13895 kan niet")
        assert "nooit negatief" in message

    def test_it_refuses_a_score_outside_its_scale_in_a_wide_table(self):
        data = (
            "Indicator;WK079601 Binnenstad;WK079602 Zuidoost\n"
            "Rapportcijfer\n"
            "Rapportcijfer woonomgeving;7,4;12\n"
        )
        [message] = refused(data.encode(), year=2024)
        assert message.startswith("Rij 3, kolom 'WK079602 Zuidoost': 12 kan niet")
        assert "rapportcijfer ligt tussen 1 en 10" in message

    def test_it_accepts_counts_rounded_to_five_that_do_not_add_up(self):
        data = (
            self.HEADER
            + "BU07960101;Binnenstad-Centrum;1235;620;620;30\n"
            # A real case (BU00345702 in KWB 2024): 0 inhabitants, 5 men, after rounding.
            + "BU07960102;Bedrijventerrein;0;5;0;0\n"
        )
        result = indicators_import(data=data.encode(), file_name="t.csv", year=2024)
        assert result.applied
        assert value("BU07960101", "mannen") == 620

    def test_it_accepts_a_growth_percentage_below_zero(self):
        data = "Codering;Naam;Bevolkingsgroei (%)\nWK079601;Binnenstad;-2,5\n"
        result = indicators_import(data=data.encode(), file_name="t.csv", year=2024)
        assert result.applied


class TestNestedHeaders:
    FACILITIES = (
        "Codering;Huisartsenpraktijk/Afstand (km);Huisartsenpraktijk/Binnen 1 km (aantal);"
        "Supermarkt/Afstand (km);Supermarkt/Binnen 1 km (aantal)\n"
        "WK079601;0,4;6;0,3;9\n"
    )

    def test_it_names_each_column_by_its_full_header_path(self):
        indicators_import(data=self.FACILITIES.encode(), file_name="n.csv", year=2022)
        names = set(Indicator.objects.values_list("name", flat=True))
        assert names == {
            "Huisartsenpraktijk / Afstand",
            "Huisartsenpraktijk / Binnen 1 km",
            "Supermarkt / Afstand",
            "Supermarkt / Binnen 1 km",
        }
        assert value("WK079601", "huisartsenpraktijk-binnen-1-km", 2022) == 6

    def test_a_later_file_with_one_group_leaves_the_other_alone(self):
        indicators_import(data=self.FACILITIES.encode(), file_name="n.csv", year=2022)
        later = "Codering;Supermarkt/Binnen 1 km (aantal)\nWK079601;11\n"
        indicators_import(data=later.encode(), file_name="m.csv", year=2022)
        assert value("WK079601", "huisartsenpraktijk-binnen-1-km", 2022) == 6
        assert value("WK079601", "supermarkt-binnen-1-km", 2022) == 11

    def test_it_refuses_a_differently_named_column_for_the_same_indicator(self):
        first = "Codering;Binnen 1 km (aantal)\nWK079601;6\n"
        indicators_import(data=first.encode(), file_name="a.csv", year=2022)
        other = "Codering;Binnen 1 km (%)\nWK079601;40\n"
        with pytest.raises(ImportRefused) as info:
            indicators_import(data=other.encode(), file_name="b.csv", year=2022)
        [problem] = info.value.problems
        assert problem.message.startswith(
            "Kolom 'Binnen 1 km (%)' zou de cijfers van indicator 'Binnen 1 km' overschrijven"
        )
        assert problem.column == "Binnen 1 km"
        assert value("WK079601", "binnen-1-km", 2022) == 6


OLD_STATLINE = (
    '"Kerncijfers wijken en buurten 2016"\r\n'
    '""\r\n'
    '"Wijken en buurten";"Regioaanduiding";"Regioaanduiding";"Bevolking";"Bevolking";'
    '"Inkomen";"Energie"\r\n'
    '"";"Gemeentenaam";"Codering";"Aantal inwoners";"Mannen";'
    '"Gemiddeld inkomen per inwoner";"Gemiddeld gasverbruik totaal"\r\n'
    '"";"";"";"Aantal";"Aantal";"1 000 euro";"m3 per woning"\r\n'
    '"\'s-Hertogenbosch";"\'s-Hertogenbosch";"GM0796    ";"152968";"75375";"27,8";"1430"\r\n'
    '"Binnenstad";"\'s-Hertogenbosch";"WK079601  ";"13010";"6500";"30,1";"1160"\r\n'
    '""\r\n'
    '"Bron: CBS"\r\n'
)


class TestOldStatLineExports:
    def test_it_takes_names_from_the_title_row_and_units_from_the_units_row(self):
        result = indicators_import(data=OLD_STATLINE.encode("cp1252"), file_name="kwb.csv")
        gas = Indicator.objects.get(code="energie-gemiddeld-gasverbruik-totaal")
        assert (gas.name, gas.unit) == ("Energie / Gemiddeld gasverbruik totaal", "m3 per woning")
        assert value("WK079601", "inwoners", 2016) == 13010
        assert value("WK079601", "mannen", 2016) == 6500
        assert not Indicator.objects.filter(name__icontains="aantal /").exists()
        assert result.plan.parsed.years == [2016]  # from the title, not the file name

    def test_it_takes_the_source_from_the_trailer_and_the_title(self):
        result = indicators_import(data=OLD_STATLINE.encode("cp1252"), file_name="kwb.csv")
        assert result.plan.source == "CBS, Kerncijfers wijken en buurten 2016"
        assert set(IndicatorValue.objects.values_list("source", flat=True)) == {
            "CBS, Kerncijfers wijken en buurten 2016"
        }


class TestSources:
    def test_it_never_calls_another_statline_table_kerncijfers(self):
        data = (
            "Codering;Huisartsenpraktijk/Afstand (km);Huisartsenpraktijk/Binnen 1 km (aantal)\n"
            "WK079601;0,4;6\n"
        )
        result = indicators_import(data=data.encode(), file_name="nabijheid.csv", year=2022)
        assert "Kerncijfers" not in result.plan.source
        assert "CBS" not in result.plan.source
        assert any("noemt zijn bron niet" in note for note in result.plan.parsed.notes)

    def test_it_never_labels_an_odata_table_cbs(self):
        data = "WijkenEnBuurten;Perioden;Leefbaarheid_5\nWK079601;2022JJ00;4,2\n"
        result = indicators_import(data=data.encode(), file_name="lbm.csv")
        assert result.plan.source == "bestand lbm.csv"

    def test_it_keeps_the_source_the_user_chose(self):
        data = "WijkenEnBuurten;Perioden;Leefbaarheid_5\nWK079601;2022JJ00;4,2\n"
        indicators_import(data=data.encode(), file_name="lbm.csv", source="Leefbarometer 3.0")
        assert IndicatorValue.objects.get().source == "Leefbarometer 3.0"


class TestCoordinateSystems:
    @pytest.fixture
    def den_bosch(self, data_dir):
        return json.loads((data_dir / BOUNDARIES[0]).read_text())

    def in_rd_new(self, document: dict, *, crs: bool = True) -> bytes:
        from pyproj import Transformer

        to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
        document = json.loads(json.dumps(document))
        for feature in document["features"]:
            geometry = feature["geometry"]
            polygons = (
                [geometry["coordinates"]]
                if geometry["type"] == "Polygon"
                else geometry["coordinates"]
            )
            for polygon in polygons:
                for ring in polygon:
                    for point in ring:
                        point[0], point[1] = to_rd.transform(point[0], point[1])
        if crs:
            document["crs"] = {
                "type": "name",
                "properties": {"name": "urn:ogc:def:crs:EPSG::28992"},
            }
        return json.dumps(document).encode()

    def test_it_reprojects_rd_new_to_degrees(self, den_bosch):
        indicators_import(data=self.in_rd_new(den_bosch), file_name="wijken_rd.geojson")
        stored = NeighbourhoodBoundary.objects.get(neighbourhood__code="WK079601").geometry
        original = next(
            f["geometry"]
            for f in den_bosch["features"]
            if f["properties"]["wijkcode"] == "WK079601"
        )

        def first_point(geometry):
            rings = (
                geometry["coordinates"]
                if geometry["type"] == "Polygon"
                else geometry["coordinates"][0]
            )
            return rings[0][0]

        (x, y), (x0, y0) = first_point(stored), first_point(original)
        assert abs(x - x0) < 1e-5 and abs(y - y0) < 1e-5
        assert 5.2 < x < 5.4 and 51.6 < y < 51.8  # 's-Hertogenbosch, in degrees

    def test_it_refuses_metres_without_a_crs_by_object(self, den_bosch):
        messages = refused(self.in_rd_new(den_bosch, crs=False), file_name="wijken.geojson")
        assert len(messages) == 14
        assert messages[0].startswith("Object 1 (WK079601): de coördinaten")
        assert "RD New" in messages[0]

    def test_it_refuses_an_unknown_crs(self, den_bosch):
        den_bosch["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}}
        [message] = refused(json.dumps(den_bosch).encode(), file_name="wijken.geojson")
        assert message.startswith("Het GeoJSON-bestand gebruikt een onbekend coördinatenstelsel")
        assert "999999" in message

    def test_it_refuses_degrees_outside_the_netherlands(self, den_bosch):
        feature = den_bosch["features"][2]
        geometry = feature["geometry"]
        rings = (
            geometry["coordinates"] if geometry["type"] == "Polygon" else geometry["coordinates"][0]
        )
        for point in rings[0]:
            point[0], point[1] = point[1], point[0]  # latitude and longitude swapped
        [message] = refused(json.dumps(den_bosch).encode(), file_name="wijken.geojson")
        assert message.startswith(
            f"Object 3 ({feature['properties']['wijkcode']}): de grens ligt buiten Nederland"
        )


class TestOneMeasureOneIndicator:
    def test_the_demo_indicators_are_in_the_catalogue(self):
        import tomllib

        from django.conf import settings

        from wijkdata.importing import catalogue

        common = tomllib.loads((settings.BASE_DIR / "fixtures/demo/common.toml").read_text())
        for code, _name, kind, direction, category in common["figures"]["indicators"]:
            definition = catalogue.BY_CODE[code]
            assert (definition.kind, definition.direction, definition.category) == (
                kind,
                direction,
                category,
            ), code

    def test_the_same_ggd_measure_from_two_years_is_one_indicator(self):
        monitor_2020 = "WijkenEnBuurten;Perioden;Eenzaam_28\nWK079601;2020JJ00;46,4\n"
        monitor_2016 = "Codering;Eenzaamheid (%)\nWK079601;44,0\n"
        indicators_import(data=monitor_2020.encode(), file_name="ggd2020.csv")
        indicators_import(data=monitor_2016.encode(), file_name="ggd2016.csv", year=2016)
        assert list(Indicator.objects.values_list("code", flat=True)) == ["ggd-eenzaam"]
        assert value("WK079601", "ggd-eenzaam", 2016) == 44
        assert value("WK079601", "ggd-eenzaam", 2020) == Decimal("46.4")

    def test_a_ggd_percentage_never_joins_the_survey_score(self, demo):
        data = "code;indicator;eenheid;WK079601 Binnenstad\nmoeite-rondkomen;Moeite met rondkomen;%;13,8\n"
        with pytest.raises(ImportRefused) as info:
            indicators_import(data=data.encode(), file_name="ggd.csv", year=2016)
        [problem] = info.value.problems
        assert problem.message.startswith(
            "Rij 2, 'Moeite met rondkomen': dit bestand geeft een percentage, maar indicator "
            "'Moeite met rondkomen' is een buurtscore (0–100)."
        )
        assert value("WK079601", "moeite-rondkomen", 2024) is not None  # the demo's, untouched


class TestKinds:
    THIRD_PARTY = (
        "Codering;Huisartsenpraktijk/Afstand (km);Huisartsenpraktijk/Binnen 3 km (aantal);"
        "Aandeel groen;Score leefbaarheid;Rapportcijfer woonomgeving;Leefbaarheid;Woningen\n"
        "WK079601;0,4;6;21,5;63;7,1;4,2;9080\n"
        "WK079602;1,1;2;35,0;71;7,6;4,6;5400\n"
    )

    def kinds(self) -> dict[str, str]:
        return dict(Indicator.objects.values_list("name", "kind"))

    def test_it_infers_kinds_from_names_units_and_values(self):
        result = indicators_import(data=self.THIRD_PARTY.encode(), file_name="t.csv", year=2022)
        assert self.kinds() == {
            "Huisartsenpraktijk / Afstand": "distance",
            "Huisartsenpraktijk / Binnen 3 km": "count",
            "Aandeel groen": "percentage",
            "Score leefbaarheid": "score",
            "Rapportcijfer woonomgeving": "grade",
            "Leefbaarheid": "number",
            "Woningen": "count",
        }
        asked = [i["label"] for i in result.plan.as_dict()["ask_kinds"]]
        assert asked == ["Leefbaarheid"]  # 4,2 and 4,6: a score? a grade? a number?
        assert any("'Leefbaarheid' (getal" in line for line in result.summary_lines())

    def test_the_preview_asks_and_the_choice_is_kept(self, client, people, settings, tmp_path):
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.urls import reverse

        from wijkdata.models import ImportBatch

        settings.MEDIA_ROOT = tmp_path
        data = self.THIRD_PARTY.replace("WK0796", "WK9999").encode()
        client.force_login(people.coordinator)
        client.post(
            reverse("wijkdata:import_upload", args=[people.area.code]),
            {
                "file": SimpleUploadedFile("lbm.csv", data),
                "year": "2022",
                "source": "Leefbarometer",
            },
        )
        batch = ImportBatch.objects.get()
        page = client.get(reverse("wijkdata:import_batch", args=[batch.code])).content.decode()
        assert "De naam en de waarden zeggen het niet zeker" in page
        assert 'name="kind-leefbaarheid"' in page
        assert not re.search(r"--(year|sheet|source|dry-run|municipality)", page)
        client.post(
            reverse("wijkdata:import_confirm", args=[batch.code]), {"kind-leefbaarheid": "scale"}
        )
        assert Indicator.objects.get(code="leefbaarheid").kind == "scale"
        # A choice the preview did not offer is ignored.
        assert Indicator.objects.get(code="aandeel-groen").kind == "percentage"


class TestPlansInThePreview:
    CHANGED = "Codering;Naam;% sociale huurwoningen\nBU07960101;Binnenstad centrum;25\n"

    def test_it_names_the_plans_that_would_show_changed_figures(self, demo):
        from plans.models import Plan

        Plan.objects.filter(pk=demo.binnenstad.pk).update(status=Plan.Status.CONCEPT)
        result = indicators_import(
            data=self.CHANGED.encode(),
            file_name="w.csv",
            year=2024,
            source="Gemeente",
            dry_run=True,
        )
        # BU07960101 is in the demographics table of the Binnenstad plan only.
        assert result.plan.as_dict()["plans_affected"] == [
            {
                "name": demo.binnenstad.title,
                "area": demo.binnenstad.area.name,
                "adopted": False,
            }
        ]
        assert (
            f"Plan '{demo.binnenstad.title}' ({demo.binnenstad.area.name}) toont hierna andere cijfers."
            in result.summary_lines()
        )

    def test_it_names_no_plan_for_figures_no_plan_shows(self, demo):
        data = "Codering;% sociale huurwoningen\nBU07960101;25\n"
        result = indicators_import(data=data.encode(), file_name="w.csv", year=2019, dry_run=True)
        assert result.plan.as_dict()["plans_affected"] == []

    def test_the_preview_says_an_adopted_plan_keeps_its_figures(
        self, client, demo, settings, tmp_path
    ):
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.urls import reverse

        from plans.models import Membership, Plan
        from wijkdata.models import ImportBatch

        settings.MEDIA_ROOT = tmp_path
        Plan.objects.filter(pk=demo.binnenstad.pk).update(status=Plan.Status.ADOPTED)
        area = demo.binnenstad.area
        coordinator = area.memberships.get(role=Membership.Role.COORDINATOR).user
        client.force_login(coordinator)
        client.post(
            reverse("wijkdata:import_upload", args=[area.code]),
            {"file": SimpleUploadedFile("w.csv", self.CHANGED.encode()), "year": "2024"},
        )
        batch = ImportBatch.objects.get()
        page = client.get(reverse("wijkdata:import_batch", args=[batch.code])).content.decode()
        assert "Plannen die andere cijfers gaan tonen" in page
        assert "vastgesteld: de cijfers in dit plan veranderen niet (ze zijn bij het vaststellen vastgelegd)" in page
        assert demo.binnenstad.title in page


class TestSourcePerFigure:
    def test_the_data_page_shows_each_figures_own_source(self, client, area_with_figures):
        from django.urls import reverse

        people = area_with_figures
        # A second file brings the figure of one buurt, from another source.
        data = "Codering;Aantal inwoners\nBU99990101;4100\n"
        indicators_import(data=data.encode(), file_name="b.csv", year=2024, source="BRP 2024")
        client.force_login(people.manager)
        page = client.get(reverse("wijkdata:area_data", args=[people.area.code])).content.decode()
        assert 'title="Bron: BRP 2024"' in page
        assert 'title="Bron: Testbron"' in page
        assert '4.100<span class="cell-source"> (BRP 2024)</span>' in page
