"""SVG charts of chapter 1, drawn directly from the plan's figure tables.

The charts show the same figures as the tables of the plan page (`plan_document`), as
vector graphics inside the HTML that WeasyPrint renders. They are drawn here rather than
by plotly + kaleido: `benchmarks/bench_pdf.py --charts` measures both, and a headless
Chromium per worker (seconds cold, a tenth of a second per figure warm) costs more than
the whole rest of the render, where writing the SVG takes about a millisecond per chart.
The text of the charts is real text in the PDF (searchable, and read by pdftotext).
"""

import textwrap
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

from django.utils import translation
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe

from plans.models import FigureTable
from plans.selectors import TableView
from wijkdata.formatting import format_figure
from wijkdata.models import Indicator
from wijkdata.palettes import QUALITATIVE_COLOURS, ordered_colours

WIDTH = 640
FONT = "'Source Sans 3', sans-serif"  # quoted: a family name with a digit is no CSS identifier
INK = "#1f2a2c"
MUTED = "#5b6668"
GRID = "#d9dfdf"
CHAR_WIDTH = 0.48  # average advance of Source Sans 3 in Dutch text (0.445 em) plus a margin

# Fixed scales so that two plans compare at a glance; percentages and counts are
# scaled to their data (rounded up to a round number).
KIND_MAX = {
    Indicator.Kind.SCORE: Decimal(100),
    Indicator.Kind.SCALE: Decimal(10),
    Indicator.Kind.GRADE: Decimal(10),
}


@lru_cache(maxsize=8192)
def _format(value: Decimal | None, kind: str, language: str | None) -> str:
    return format_figure(value, kind)


def fmt(value: Decimal | None, kind: str) -> str:
    """format_figure, remembered: a plan formats the same few hundred figures every time."""
    return _format(value, kind, translation.get_language())


@dataclass
class Chart:
    title: str
    description: str
    svg: SafeString
    height: int
    number: int = 0


# -- colour -----------------------------------------------------------------------------


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def mix(colour: str, other: str, amount: float) -> str:
    """`colour` moved `amount` (0–1) of the way towards `other`."""
    a, b = _rgb(colour), _rgb(other)
    return "#" + "".join(f"{round(x + (y - x) * amount):02x}" for x, y in zip(a, b, strict=True))


def luminance(colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def series_colours(brand: str, count: int) -> list[str]:
    """The organisation's colour, then the qualitative palette of the data page."""
    base = [brand, *QUALITATIVE_COLOURS]
    return [base[i % len(base)] for i in range(count)]


def sequential_colours(brand: str, count: int) -> list[str]:
    """Ordered bands (age groups): the data page's palette for ordered bands."""
    return [brand] if count == 1 else ordered_colours(count)


# -- drawing helpers --------------------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x, y, text, *, size=9, anchor="start", weight="normal", fill=INK, extra="") -> str:
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" text-anchor="{anchor}" '
        f'font-weight="{weight}" fill="{fill}"{extra}>{escape(text)}</text>'
    )


def _text_lines(x, y, lines, *, size=9, line_height=1.2, **kwargs) -> str:
    return "".join(
        _text(x, y + i * size * line_height, line, size=size, **kwargs)
        for i, line in enumerate(lines)
    )


def _wrap(text: str, width_px: float, size: float) -> list[str]:
    chars = max(8, int(width_px / (size * CHAR_WIDTH)))
    return textwrap.wrap(text, chars, break_on_hyphens=False) or [""]


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_WIDTH


def _rect(x, y, w, h, fill, extra="") -> str:
    return f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(max(w, 0))}" height="{_num(h)}" fill="{fill}"{extra}/>'


def _nice_max(value: Decimal) -> Decimal:
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        candidate = magnitude * Decimal(str(step))
        if candidate >= value:
            return candidate
    return magnitude * 10


def _ticks(maximum: Decimal) -> list[Decimal]:
    return [maximum * i / 4 for i in range(5)]


def _tick_label(tick: Decimal, kind: str) -> str:
    decimals = 0 if tick == tick.to_integral_value() else 1
    text = number_format(tick, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    return text + "%" if kind == Indicator.Kind.PERCENTAGE else text


def _svg(title: str, description: str, height: float, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 - every text above went through escape()/quoteattr()
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_num(height)}" '
        f'width="{WIDTH}" height="{_num(height)}" role="img" font-family={quoteattr(FONT)}>'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
        + "".join(body)
        + "</svg>"
    )


def _legend(
    labels: list[str], colours: list[str], y: float, *, x0: float = 0
) -> tuple[list[str], float]:
    """Swatches with labels, wrapping onto new lines; returns the parts and the next y."""
    parts, x, size = [], x0, 8.5
    for label, colour in zip(labels, colours, strict=True):
        width = 14 + _text_width(label, size) + 16
        if x > x0 and x + width > WIDTH:
            x, y = x0, y + 15
        parts.append(_rect(x, y - 8, 10, 10, colour, ' rx="2"'))
        parts.append(_text(x + 14, y, label, size=size, fill=INK))
        x += width
    return parts, y + 16


# -- charts -----------------------------------------------------------------------------


def capfirst(text: str) -> str:
    """A caption starts with a capital ("aantal inwoners" → "Aantal inwoners")."""
    return text[:1].upper() + text[1:]


def charts_for_table(view: TableView, brand: str) -> list[Chart]:
    """The charts that illustrate one figure table: none for an empty table, and none
    that would show a single area, which compares nothing (the table says it all)."""
    if not view.rows or not view.columns:
        return []
    if view.table.layout == FigureTable.Layout.INDICATOR_ROWS:
        return [_grouped_bars(view, brand)] if len(view.columns) >= 2 else []
    if len(view.rows) < 2:
        return []
    charts = []
    composition = _composition_columns(view)
    if composition:
        charts.append(_stacked_bars(view, composition, brand))
    rest = [i for i in range(len(view.columns)) if i not in (composition or [])]
    # A chart never mixes counts with percentages: panels are grouped by kind first.
    by_kind: dict[str, list[int]] = {}
    for i in rest:
        by_kind.setdefault(_column_kind(view, i), []).append(i)
    for columns in by_kind.values():
        for start in range(0, len(columns), 4):
            charts.append(_small_multiples(view, columns[start : start + 4], brand))
    return charts


def _column_kind(view: TableView, column: int) -> str:
    return next(
        (row.cells[column].kind for row in view.rows if row.cells[column].kind),
        Indicator.Kind.PERCENTAGE,
    )


def _grouped_bars(view: TableView, brand: str) -> Chart:
    """Indicators as rows, one bar per area, grouped under the section of their kind."""
    colours = series_colours(brand, len(view.columns))
    label_w, x0, x1 = 236, 250, WIDTH - 46
    parts, y = _legend(view.columns, colours, 12)
    background: list[str] = []
    y += 4
    bar_h, bar_gap, row_pad = 8, 2, 7

    # Sections as the table groups them: a row with `section` starts a new group.
    groups: list[list] = []
    for row in view.rows:
        if row.section or not groups:
            groups.append([])
        groups[-1].append(row)

    for rows in groups:
        kind = rows[0].cells[0].kind if rows[0].cells else Indicator.Kind.PERCENTAGE
        values = [c.value for r in rows for c in r.cells if c.value is not None]
        maximum = KIND_MAX.get(kind) or _nice_max(max(values, default=Decimal(1)))
        section = rows[0].section or ""
        y += 16
        if section:
            parts.append(
                _text(0, y, section, size=9.5, weight="bold", fill=mix(brand, "#000000", 0.25))
            )
        tick_y = y
        y += 8
        top = y
        for row in rows:
            lines = _wrap(row.label, label_w, 8.8)
            block = max(len(view.columns) * (bar_h + bar_gap) - bar_gap, len(lines) * 10.6)
            parts.append(_text_lines(0, y + 8, lines, size=8.8, line_height=1.2))
            for i, cell in enumerate(row.cells):
                by = y + i * (bar_h + bar_gap)
                if cell.value is None:
                    parts.append(_text(x0 + 2, by + 7, fmt(None, cell.kind), size=8, fill=MUTED))
                    continue
                share = float(min(cell.value, maximum) / maximum) if maximum else 0
                w = (x1 - x0) * share
                parts.append(_rect(x0, by, w, bar_h, colours[i]))
                parts.append(
                    _text(x0 + w + 4, by + 7, fmt(cell.value, cell.kind), size=7.8, fill=INK)
                )
            y += block + row_pad
        # The scale is known only now; grid lines go behind every bar (drawn first).
        for tick in _ticks(maximum):
            gx = x0 + (x1 - x0) * float(tick / maximum)
            background.append(
                f'<line x1="{_num(gx)}" y1="{_num(top - 3)}" x2="{_num(gx)}" '
                f'y2="{_num(y - row_pad + 2)}" stroke="{GRID}" stroke-width="0.6"/>'
            )
            background.append(
                _text(gx, tick_y, _tick_label(tick, kind), size=7, anchor="middle", fill=MUTED)
            )
    parts = background + parts
    height = y + 4
    title = capfirst(
        f"{view.table.heading} vergeleken" if view.table.heading else "De cijfers vergeleken"
    )
    description = "Staafdiagram van de tabel: " + "; ".join(
        f"{row.label}: "
        + ", ".join(
            f"{column} {fmt(cell.value, cell.kind)}"
            for column, cell in zip(view.columns, row.cells, strict=True)
        )
        for row in view.rows
    )
    return Chart(
        title=title,
        description=description,
        svg=_svg(title, description, height, parts),
        height=int(height),
    )


def _composition_columns(view: TableView) -> list[int] | None:
    """The longest run of percentage columns that add up to 100% in every row."""
    n = len(view.columns)
    kinds = [view.rows[0].cells[i].kind for i in range(n)]
    best: list[int] | None = None
    for start in range(n):
        if kinds[start] != Indicator.Kind.PERCENTAGE:
            continue
        for end in range(start + 3, n + 1):
            if kinds[end - 1] != Indicator.Kind.PERCENTAGE:
                break
            ok = True
            for row in view.rows:
                cells = row.cells[start:end]
                if any(c.value is None for c in cells):
                    ok = False
                    break
                total = sum(c.value for c in cells)
                if not Decimal(96) <= total <= Decimal(104):
                    ok = False
                    break
            if ok and (best is None or end - start > len(best)):
                best = list(range(start, end))
    return best


def common_prefix(labels: list[str]) -> str:
    """The words all labels start with ("% inwoners" for "% inwoners 0-3 jaar", …)."""
    if len(labels) < 2:
        return ""
    words = [label.split() for label in labels]
    prefix = []
    for group in zip(*words, strict=False):
        if len(set(group)) != 1:
            break
        prefix.append(group[0])
    # Keep at least one word of every label.
    while prefix and any(len(w) <= len(prefix) for w in words):
        prefix.pop()
    return " ".join(prefix)


def _strip(label: str, prefix: str) -> str:
    return label[len(prefix) :].strip() if prefix and label.startswith(prefix) else label


def _stacked_bars(view: TableView, columns: list[int], brand: str) -> Chart:
    labels = [view.columns[i] for i in columns]
    prefix = common_prefix(labels)
    bands = [_strip(label, prefix) for label in labels]
    colours = sequential_colours(brand, len(columns))
    label_w, x0, x1 = 150, 160, WIDTH - 4
    subject = prefix.lstrip("% ").strip()
    title = f"Verdeling {subject} (%)" if subject else "Verdeling (%)"
    parts = [_text(0, 11, title, size=9.5, weight="bold", fill=mix(brand, "#000000", 0.25))]
    legend, y = _legend(bands, colours, 30)
    parts += legend
    y += 2
    bar_h, row_gap = 15, 6
    for row in view.rows:
        total = sum(row.cells[i].value for i in columns)
        lines = _wrap(row.label, label_w, 8.5)
        parts.append(
            _text_lines(0, y + 10.5 - (len(lines) - 1) * 5, lines, size=8.5, line_height=1.15)
        )
        x = x0
        for colour, i in zip(colours, columns, strict=True):
            cell = row.cells[i]
            w = (x1 - x0) * float(cell.value / total) if total else 0
            parts.append(_rect(x, y, w, bar_h, colour, ' stroke="#ffffff" stroke-width="0.6"'))
            if w >= 17:
                ink = "#ffffff" if luminance(colour) < 0.35 else INK
                parts.append(
                    _text(
                        x + w / 2,
                        y + 10.5,
                        fmt(cell.value, cell.kind),
                        size=7,
                        anchor="middle",
                        fill=ink,
                    )
                )
            x += w
        y += max(bar_h, len(lines) * 9.8) + row_gap
    height = y
    description = f"Gestapelde staven: {title.lower()} per gebied. " + "; ".join(
        f"{row.label}: "
        + ", ".join(
            f"{band} {fmt(row.cells[i].value, row.cells[i].kind)}"
            for band, i in zip(bands, columns, strict=True)
        )
        for row in view.rows
    )
    return Chart(
        title=title,
        description=description,
        svg=_svg(title, description, height, parts),
        height=int(height),
    )


def _small_multiples(view: TableView, columns: list[int], brand: str) -> Chart:
    """One small bar chart per indicator, side by side, sharing the row labels."""
    label_w = 150
    panel_w = (WIDTH - label_w) / len(columns)
    header_lines = [_wrap(capfirst(view.columns[i]), panel_w - 12, 8.2) for i in columns]
    header_h = max(len(lines) for lines in header_lines) * 9.8
    parts: list[str] = []
    y0 = header_h + 8
    bar_h, row_h = 11, 19
    for p, (i, lines) in enumerate(zip(columns, header_lines, strict=True)):
        px = label_w + p * panel_w
        parts.append(
            _text_lines(px, 9, lines, size=8.2, weight="bold", fill=mix(brand, "#000000", 0.25))
        )
        values = [row.cells[i].value for row in view.rows if row.cells[i].value is not None]
        maximum = _nice_max(max(values, default=Decimal(1)))
        plot_w = panel_w - 40
        parts.append(
            f'<line x1="{_num(px)}" y1="{_num(y0 - 3)}" x2="{_num(px)}" y2="{_num(y0 + len(view.rows) * row_h - 5)}" stroke="{GRID}" stroke-width="0.8"/>'
        )
        for r, row in enumerate(view.rows):
            cell = row.cells[i]
            by = y0 + r * row_h
            if cell.value is None:
                parts.append(_text(px + 3, by + 9, fmt(None, cell.kind), size=7.5, fill=MUTED))
                continue
            w = plot_w * float(cell.value / maximum)
            parts.append(
                _rect(px, by, w, bar_h, brand if p % 2 == 0 else mix(brand, "#000000", 0.3))
            )
            parts.append(_text(px + w + 3, by + 8.5, fmt(cell.value, cell.kind), size=7.3))
    for r, row in enumerate(view.rows):
        label = _wrap(row.label, label_w - 8, 8.3)[0]
        parts.append(_text(0, y0 + r * row_h + 8.5, label, size=8.3))
    height = y0 + len(view.rows) * row_h
    title = capfirst(", ".join(view.columns[i] for i in columns))
    description = "Staafdiagrammen per gebied: " + "; ".join(
        f"{view.columns[i]}: "
        + ", ".join(
            f"{row.label} {fmt(row.cells[i].value, row.cells[i].kind)}" for row in view.rows
        )
        for i in columns
    )
    return Chart(
        title=title,
        description=description,
        svg=_svg(title, description, height, parts),
        height=int(height),
    )
