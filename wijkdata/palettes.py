"""Chart colours, shared by the data page (plotly) and the PDF (plans/pdf/charts.py)."""

# Areas side by side: hues of the Okabe–Ito set, which stay apart for colour-blind
# readers and in greyscale print (the PDF puts the organisation's colour first).
QUALITATIVE_COLOURS = ["#e69f00", "#0072b2", "#cc79a7", "#56b4e9", "#d55e00", "#009e73", "#f0e442"]
# Ordered bands (age groups): ColorBrewer "Paired", five hues in a light and a dark
# tone, so that neighbouring bands always differ in lightness and each pair of bands (a
# stage of life: 0–3 and 4–11, …) shares a hue. Ten shades of one colour could not be
# told apart (ΔE 7.5 between neighbours; these are at least 37 apart).
ORDERED_COLOURS = [
    "#a6cee3",
    "#1f78b4",
    "#b2df8a",
    "#33a02c",
    "#fb9a99",
    "#e31a1c",
    "#fdbf6f",
    "#ff7f00",
    "#cab2d6",
    "#6a3d9a",
]


def ordered_colours(count: int) -> list[str]:
    """`count` colours for ordered bands, in order (repeating after ten)."""
    return [ORDERED_COLOURS[i % len(ORDERED_COLOURS)] for i in range(count)]
