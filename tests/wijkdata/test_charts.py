"""The data page's charts compare something, with captions and colours a reader can use."""

from decimal import Decimal

from wijkdata import selectors
from wijkdata.models import Indicator, Neighbourhood
from wijkdata.selectors import AGE_BANDS, AreaFigures, Cell, IndicatorRow


def figures(regions: int, municipality: bool) -> AreaFigures:
    wijken = [
        Neighbourhood(code=f"WK99990{i}", year=2024, name=f"Wijk {i}", level="district")
        for i in range(regions)
    ]
    gemeente = Neighbourhood(code="GM9999", year=2024, name="Teststad", level="municipality")
    indicators = [Indicator(id=1, code="aantal", name="aantal inwoners", kind="count")] + [
        Indicator(id=10 + i, code=code, name=label, kind="count")
        for i, (code, label) in enumerate(AGE_BANDS)
    ]
    rows = [
        IndicatorRow(
            indicator=indicator,
            cells=[Cell(Decimal(100)) for _ in wijken],
            municipality=Cell(Decimal(1000)) if municipality else None,
            sources=[],
        )
        for indicator in indicators
    ]
    return AreaFigures(
        year=2024,
        years=[2024],
        municipality=gemeente if municipality else None,
        regions=wijken,
        rows=rows,
        categories=[],
        indicators=indicators,
    )


def test_a_single_region_gets_no_chart_that_compares_nothing():
    one = figures(1, municipality=False)
    assert selectors.chart_comparison(one, one.indicators[0]) is None
    assert selectors.chart_age_bands(one) is None


def test_a_region_next_to_its_municipality_is_compared():
    two = figures(1, municipality=True)
    chart = selectors.chart_comparison(two, two.indicators[0])
    assert chart["data"][0]["y"] == ["Wijk 0", "Gemeente Teststad"]
    assert chart["layout"]["title"]["text"] == "Aantal inwoners (2024)"  # a capital first


def test_age_bands_have_distinct_colours():
    chart = selectors.chart_age_bands(figures(2, municipality=True))
    colours = [series["marker"]["color"] for series in chart["data"]]
    assert len(colours) == len(set(colours)) == len(AGE_BANDS)


def test_a_long_region_name_is_wrapped_in_the_chart():
    two = figures(1, municipality=True)
    two.regions[0].name = "Spoorzone (Boschveld, Paleiswartier, Willemspoort)"
    chart = selectors.chart_comparison(two, two.indicators[0])
    assert chart["data"][0]["y"][0] == "Spoorzone (Boschveld,<br>Paleiswartier,<br>Willemspoort)"
