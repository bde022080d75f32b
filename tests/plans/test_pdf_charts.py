"""The charts of chapter 1 compare something, in colours a reader can tell apart."""

from decimal import Decimal

import pytest

from plans.models import FigureTable
from plans.pdf.charts import charts_for_table, sequential_colours, series_colours
from plans.selectors import Cell, TableRow, TableView
from wijkdata.models import Indicator

BRAND = "#00656b"
AGE_BANDS = [f"% inwoners {band} jaar" for band in range(10)]


def view(layout, columns, rows, heading="Wijken"):
    return TableView(
        table=FigureTable(layout=layout, heading=heading, year=2024),
        columns=columns,
        rows=[
            TableRow(label=label, cells=[Cell(Decimal(v), "", kind) for v, kind in cells])
            for label, cells in rows
        ],
    )


def test_it_draws_no_chart_for_a_single_area():
    survey = view(
        FigureTable.Layout.INDICATOR_ROWS,
        ["Gemeente"],
        [("Sociale cohesie", [("5.9", Indicator.Kind.SCALE)])],
    )
    demographics = view(
        FigureTable.Layout.NEIGHBOURHOOD_ROWS,
        ["aantal inwoners", *AGE_BANDS],
        [
            (
                "Gemeente",
                [("160000", Indicator.Kind.COUNT)] + [("10", Indicator.Kind.PERCENTAGE)] * 10,
            )
        ],
    )
    assert charts_for_table(survey, BRAND) == []
    assert charts_for_table(demographics, BRAND) == []


def test_it_compares_two_areas():
    survey = view(
        FigureTable.Layout.INDICATOR_ROWS,
        ["Binnenstad", "Spoorzone"],
        [("Sociale cohesie", [("5.9", Indicator.Kind.SCALE), ("6.4", Indicator.Kind.SCALE)])],
    )
    (chart,) = charts_for_table(survey, BRAND)
    assert chart.title == "Wijken vergeleken"


def test_it_never_puts_counts_and_percentages_in_one_chart():
    kinds = [Indicator.Kind.COUNT, Indicator.Kind.PERCENTAGE, Indicator.Kind.COUNT]
    columns = ["aantal inwoners", "% sociale huur", "aantal huishoudens"]
    table = view(
        FigureTable.Layout.NEIGHBOURHOOD_ROWS,
        columns,
        [(name, [("100", k) for k in kinds]) for name in ("Binnenstad", "Spoorzone")],
    )
    titles = [chart.title for chart in charts_for_table(table, BRAND)]
    assert titles == ["Aantal inwoners, aantal huishoudens", "% sociale huur"]


def test_every_caption_starts_with_a_capital():
    table = view(
        FigureTable.Layout.NEIGHBOURHOOD_ROWS,
        ["aantal inwoners"],
        [(name, [("100", Indicator.Kind.COUNT)]) for name in ("Binnenstad", "Spoorzone")],
        heading="wijk/buurt",
    )
    for chart in charts_for_table(table, BRAND):
        assert chart.title[0].isupper(), chart.title


def _lab(colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB colour: distances there are what an eye sees."""
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    fx, fy, fz = (t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(a: str, b: str) -> float:
    return sum((x - y) ** 2 for x, y in zip(_lab(a), _lab(b), strict=True)) ** 0.5


@pytest.mark.parametrize("count", [2, 4, 10])
def test_age_bands_get_clearly_different_colours(count):
    colours = sequential_colours(BRAND, count)
    assert len(set(colours)) == count
    # Neighbouring bands far apart, any two bands still told apart (ΔE > 20).
    assert all(delta_e(a, b) > 30 for a, b in zip(colours, colours[1:], strict=False))
    assert all(delta_e(a, b) > 20 for i, a in enumerate(colours) for b in colours[i + 1 :])


def test_areas_side_by_side_get_different_hues():
    colours = series_colours(BRAND, 4)
    assert colours[0] == BRAND
    assert all(delta_e(a, b) > 30 for i, a in enumerate(colours) for b in colours[i + 1 :])


def test_the_age_chart_of_the_demo_uses_ten_distinct_colours(demo):
    from plans.pdf.render import plan_html

    html = plan_html(demo.binnenstad)
    start = html.index("<title>Verdeling")
    chart = html[start : html.index("</svg>", start)]
    legend = {c for c in sequential_colours(BRAND, 10) if f'fill="{c}"' in chart}
    assert len(legend) == 10
