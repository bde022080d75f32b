"""The area's data page: figures per wijk and buurt next to the municipality, charts, map."""

import json

import pytest
from django.urls import reverse

from wijkdata.models import IndicatorValue, Neighbourhood
from wijkdata.services import indicators_import

pytestmark = pytest.mark.django_db

BOUNDARY = {
    "type": "FeatureCollection",
    "metadata": {"year": 2024},
    "features": [
        {
            "type": "Feature",
            "properties": {"wijkcode": code, "wijknaam": name},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[x, 51.0], [x + 0.01, 51.0], [x + 0.01, 51.01], [x, 51.0]]],
            },
        }
        for code, name, x in [("WK999901", "Centrum", 5.0), ("WK999902", "Noord", 5.01)]
    ],
}


def url(people, **params):
    base = reverse("wijkdata:area_data", args=[people.area.code])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


class TestAreaData:
    def test_it_shows_every_indicator_per_wijk_and_buurt_next_to_the_municipality(
        self, client, area_with_figures
    ):
        people = area_with_figures
        client.force_login(people.manager)
        response = client.get(url(people))
        assert response.status_code == 200
        assert "wijkdata/area_data.html" in [t.name for t in response.templates]
        figures = response.context["figures"]
        assert [r.code for r in figures.regions] == ["WK999901", "BU99990101", "BU99990102"]
        assert figures.municipality.code == "GM9999"
        assert figures.year == 2024
        page = response.content.decode()
        assert "10.000" in page  # Dutch thousands
        assert "100.000" in page
        assert "Testbron, 2024" in page

    def test_it_marks_notably_better_and_worse_from_the_direction(self, client, area_with_figures):
        people = area_with_figures
        client.force_login(people.coordinator)
        response = client.get(url(people))
        rows = {r.indicator.code: r for r in response.context["figures"].rows}
        lonely = rows["ggd-eenzaam"]  # lower is better; municipality 40,0
        assert [c.mark for c in lonely.cells] == ["worse", "worse", "worse"]
        money = rows["ggd-moeite-met-rondkomen"]  # municipality 12,0
        assert [c.mark for c in money.cells] == ["", "", "worse"]
        assert rows["inwoners"].cells[0].mark == ""  # counts are not compared
        page = response.content.decode()
        assert "slechter dan de gemeente" in page
        assert 'title="onbekend, onvoldoende betrouwbaar of geheim (.)"' in page

    def test_it_filters_by_category(self, client, area_with_figures):
        people = area_with_figures
        client.force_login(people.manager)
        response = client.get(url(people, categorie="social"))
        assert [r.indicator.code for r in response.context["figures"].rows] == ["ggd-eenzaam"]

    def test_it_returns_only_the_table_to_htmx(self, client, area_with_figures):
        people = area_with_figures
        client.force_login(people.manager)
        response = client.get(url(people, categorie="income", deel="tabel"), HTTP_HX_REQUEST="true")
        page = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in page
        assert page.strip().startswith('<div id="figures-table"')
        assert "Moeite met rondkomen" in page and "Eenzaam" not in page

    def test_it_draws_the_charts(self, client, area_with_figures):
        people = area_with_figures
        client.force_login(people.manager)
        response = client.get(url(people, indicator="ggd-eenzaam"))
        chart = response.context["chart_comparison"]
        assert chart["data"][0]["x"] == [50.0, 55.0, 46.0, 40.0]
        assert chart["data"][0]["y"][-1] == "Gemeente Teststad"
        assert 'id="chart-comparison"' in response.content.decode()
        assert "vendor/plotly/plotly.min.js" in response.content.decode()

    def test_it_returns_only_the_charts_to_htmx(self, client, area_with_figures):
        people = area_with_figures
        client.force_login(people.manager)
        response = client.get(
            url(people, indicator="inwoners", deel="grafieken"), HTTP_HX_REQUEST="true"
        )
        page = response.content.decode()
        assert "<html" not in page and page.strip().startswith('<section id="charts"')

    def test_it_shows_a_trend_when_years_exist(self, client, area_with_figures):
        people = area_with_figures
        indicators_import(
            data=b"Codering;Eenzaam\nWK999901;52,0\nGM9999;41,0\n", file_name="x", year=2022
        )
        client.force_login(people.manager)
        response = client.get(url(people, indicator="ggd-eenzaam"))
        trend = response.context["chart_trend"]
        assert {s["name"] for s in trend["data"]} == {"Centrum", "Gemeente Teststad"}
        assert response.context["figures"].years == [2024, 2022]

    def test_it_draws_the_map_from_the_boundaries(self, client, area_with_figures):
        people = area_with_figures
        indicators_import(data=json.dumps(BOUNDARY).encode(), file_name="w.geojson")
        client.force_login(people.manager)
        response = client.get(url(people, indicator="ggd-eenzaam"))
        area_map = response.context["map"]
        assert [s.code for s in area_map.shapes] == ["WK999901", "WK999902"]
        assert [s.in_area for s in area_map.shapes] == [True, False]
        assert area_map.shapes[0].text == "50%"
        page = response.content.decode()
        assert '<path d="M' in page and "is-area" in page

    def test_it_says_so_when_there_are_no_figures(self, client, people):
        client.force_login(people.coordinator)
        response = client.get(url(people))
        assert response.status_code == 200
        assert "Er zijn nog geen cijfers" in response.content.decode()

    def test_it_runs_a_constant_number_of_queries(
        self, client, area_with_figures, django_assert_max_num_queries
    ):
        people = area_with_figures
        client.force_login(people.manager)
        client.get(url(people))  # warm up session and caches
        with django_assert_max_num_queries(16):
            client.get(url(people))
        more = "Codering;Naam;Aantal inwoners;Eenzaam\n" + "".join(
            f"BU999901{n:02d};Buurt {n};{n * 10};{30 + n % 20},5\n" for n in range(3, 40)
        )
        indicators_import(data=more.encode(), file_name="x", year=2024)
        with django_assert_max_num_queries(16):
            response = client.get(url(people))
        assert len(response.context["figures"].regions) == 40

    def test_it_requires_login(self, client, people):
        response = client.get(url(people))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_it_refuses_a_user_without_a_role(self, client, area_with_figures):
        client.force_login(area_with_figures.outsider)
        assert client.get(url(area_with_figures)).status_code == 404

    def test_it_rejects_post(self, client, people):
        client.force_login(people.coordinator)
        assert client.post(url(people)).status_code == 405


class TestAreaExport:
    def test_it_downloads_the_municipality_in_long_format(self, client, area_with_figures):
        people = area_with_figures
        client.force_login(people.manager)
        response = client.get(
            reverse("wijkdata:area_export", args=[people.area.code]) + "?jaar=2024"
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert 'filename="cijfers-GM9999-2024.csv"' in response["Content-Disposition"]
        lines = response.content.decode().splitlines()
        assert (
            lines[0]
            == "code,name,level,year,indicator,indicator_name,value,missing_reason,unit,source"
        )
        assert len(lines) == 1 + IndicatorValue.objects.count()

    def test_it_downloads_excel(self, client, area_with_figures):
        client.force_login(area_with_figures.manager)
        response = client.get(
            reverse("wijkdata:area_export", args=[area_with_figures.area.code]) + "?formaat=xlsx"
        )
        assert response.content[:2] == b"PK"

    def test_it_refuses_a_user_without_a_role(self, client, area_with_figures):
        client.force_login(area_with_figures.outsider)
        assert (
            client.get(
                reverse("wijkdata:area_export", args=[area_with_figures.area.code])
            ).status_code
            == 404
        )

    def test_it_requires_login(self, client, people):
        assert (
            client.get(reverse("wijkdata:area_export", args=[people.area.code])).status_code == 302
        )


def test_it_keeps_codes_apart_per_year(area_with_figures):
    assert Neighbourhood.objects.filter(code="WK999901").count() == 1
