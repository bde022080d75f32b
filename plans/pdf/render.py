"""The designed PDF of a plan: HTML from our templates, laid out by WeasyPrint.

`plan_html` builds the final HTML from the same `plan_document` the plan page shows, section
by section;
`render_pdf` turns HTML into PDF bytes through the fetcher that reads only our files.
(`fingerprint.content_hash` identifies a PDF before it is rendered.)
"""

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import zip_longest

import weasyprint
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from matrix.models import MatrixItem
from plans.models import FigureTable, Organisation, Plan, colour_validator
from plans.selectors import PlanDocument, SectionView, plan_document

from .charts import charts_for_table, common_prefix, fmt, mix
from .fetcher import BASE_URL, SafeURLFetcher

PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "optimize_images": True, "dpi": 200, "jpeg_quality": 85}
DEFAULT_BRAND = Organisation._meta.get_field("colour").default
# The document is Dutch whatever language the requesting person uses.
DOCUMENT_LANGUAGE = "nl"


@dataclass
class RenderedPdf:
    pdf: bytes
    pages: int
    refused: list[str] = field(default_factory=list)


def brand_colours(organisation: Organisation) -> dict[str, str]:
    colour = organisation.colour
    try:
        colour_validator(colour)
    except Exception:  # an invalid colour in the database must not break the PDF
        colour = DEFAULT_BRAND
    colour = colour.lower()
    return {
        "brand": colour,
        "brand_dark": mix(colour, "#000000", 0.35),
        "brand_soft": mix(colour, "#ffffff", 0.55),
        "brand_tint": mix(colour, "#ffffff", 0.88),
        "brand_wash": mix(colour, "#ffffff", 0.94),
    }


def css_string(text: str) -> SafeString:
    """`text` as a quoted CSS string: every character outside plain ASCII letters, digits
    and spaces is written as a hex escape, so no text can end the string or the rule."""
    escaped = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):x} " for ch in text
    )
    return mark_safe(f'"{escaped}"')  # noqa: S308 - only [A-Za-z0-9 ] and hex escapes


def column_groups(columns: list[str]) -> list[dict] | None:
    """Two header rows for a wide table: runs of columns that share their first words.

    "% inwoners 0-3 jaar", "% inwoners 4-11", … become one group "% inwoners" over
    "0-3 jaar", "4-11", …; a column that shares nothing spans both rows. None when no
    run exists (one header row is enough).
    """
    groups: list[dict] = []
    i = 0
    while i < len(columns):
        j = i + 1
        prefix = ""
        while j < len(columns):
            candidate = common_prefix(columns[i : j + 1])
            if len(candidate.split()) < 2:
                break
            prefix, j = candidate, j + 1
        if prefix:
            groups.append(
                {
                    "prefix": prefix,
                    "columns": [{"label": columns[k][len(prefix) :].strip()} for k in range(i, j)],
                }
            )
        else:
            groups.append({"prefix": "", "columns": [{"label": columns[i]}]})
        i = j
    return groups if any(group["prefix"] for group in groups) else None


def _focus_groups(view: SectionView) -> list[dict]:
    """Focus points with their marker: 1, 2, … or a, b, … under a group heading."""
    groups = []
    for name, points in view.focus_groups:
        groups.append(
            {
                "name": name.strip().rstrip(":"),
                "points": [
                    {
                        "point": point,
                        "title": point.title.strip().rstrip(":"),
                        "marker": f"{chr(ord('a') + i)}." if name else str(i + 1),
                    }
                    for i, point in enumerate(points)
                ],
            }
        )
    return groups


def _card_rows(view: SectionView) -> list[dict]:
    """Each theme's cards side by side, one table row per line of cards, so that a long
    theme breaks between rows (and repeats its header) instead of inside one tall row."""
    return [
        {
            "name": row.name,
            "is_focus": row.is_focus,
            "lines": list(zip_longest(*row.columns)) or [tuple(None for _ in row.columns)],
        }
        for row in view.card_rows
    ]


def _quadrant_rows(view: SectionView) -> list[dict]:
    rows = []
    for impact in MatrixItem.Impact:
        cells = []
        for effort in MatrixItem.Effort:
            items = []
            for item in view.quadrants.get(f"{impact.value}_{effort.value}", []):
                joiner = "" if item.title.endswith((".", "!", "?", ":")) else ":"
                items.append({
                    "title": item.title, "text": item.text, "joiner": joiner,
                    "proposed_by": item.proposed_by, "votes": item.votes,
                })
            cells.append(
                {
                    "impact": impact.value,
                    "items": items,
                    "start": impact == MatrixItem.Impact.HIGH
                    and effort == MatrixItem.Effort.LITTLE,
                }
            )
        rows.append({"label": impact.label, "cells": cells})
    return rows


class _FigureNumbers:
    """Figures are numbered through the whole document."""

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> int:
        self.count += 1
        return self.count


def _tables(view: SectionView, brand: str, numbers: _FigureNumbers) -> list[dict]:
    tables = []
    for table_view in view.tables:
        charts = charts_for_table(table_view, brand)
        for chart in charts:
            chart.number = numbers.next()
        tables.append(
            {
                "view": table_view,
                # Formatted here, not by {% figure %} per cell: hundreds of template tags
                # cost more than the lookup.
                "rows": [
                    {
                        "label": row.label,
                        "section": row.section,
                        "note": row.note,
                        "cells": [(fmt(cell.value, cell.kind), cell.value is None) for cell in row.cells],
                    }
                    for row in table_view.rows
                ],
                "charts": charts,
                "groups": column_groups(table_view.columns)
                if table_view.table.layout == FigureTable.Layout.NEIGHBOURHOOD_ROWS
                else None,
                "has_missing": any(c.value is None for row in table_view.rows for c in row.cells),
            }
        )
    return tables


def _section(view: SectionView, brand: str, numbers: _FigureNumbers, *, sub: bool = False) -> dict:
    """What a section's PDF template needs, prepared per kind."""
    return {
        "view": view,
        "sub": sub,
        # Headings inside a chapter's prose start one level below the chapter's own.
        "level": 3 if sub else 2,
        "tables": _tables(view, brand, numbers) if view.tables else [],
        "card_kinds": view.card_kinds,
        "card_rows": _card_rows(view) if view.card_rows else [],
        "quadrant_rows": _quadrant_rows(view) if view.quadrants else [],
        "focus_groups": _focus_groups(view) if view.focus_groups else [],
        "children": [_section(child, brand, numbers, sub=True) for child in view.children],
    }


def plan_html(plan: Plan, document: PlanDocument | None = None) -> str:
    """The final HTML of the plan's PDF. Deterministic: no clock, no random ids."""
    with translation.override(DOCUMENT_LANGUAGE):
        document = document or plan_document(plan)
        organisation = plan.area.organisation
        colours = brand_colours(organisation)
        numbers = _FigureNumbers()
        sections = [_section(view, colours["brand"], numbers) for view in document.sections]
        appendices = [_section(view, colours["brand"], numbers) for view in document.appendices]
        website = organisation.website
        context = {
            "plan": plan,
            "doc": document,
            "area": plan.area,
            "organisation": organisation,
            "colours": colours,
            "sections": sections,
            "appendices": appendices,
            "author": plan.authors or plan.publisher or organisation.name,
            "logo_url": organisation.logo.url if organisation.logo else "",
            "cover_url": plan.cover_image.url if plan.cover_image else "",
            "running_title": css_string(f"{plan.heading} · {plan.area.name}"),
            "running_organisation": css_string(organisation.name),
            "website_label": re.sub(r"^https?://", "", website).rstrip("/"),
        }
        return render_to_string("plans/pdf/document.html", context)


def layout(html: str) -> tuple[weasyprint.Document, SafeURLFetcher]:
    """The laid-out pages (and the fetcher, which knows what it refused)."""
    fetcher = SafeURLFetcher()
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
        **PDF_OPTIONS
    )
    return document, fetcher


def render_pdf(html: str, *, progress: Callable[[int], None] | None = None) -> RenderedPdf:
    """Lay out and write the PDF. `progress` hears 80 after layout and 95 after writing."""
    document, fetcher = layout(html)
    if progress:
        progress(80)
    buffer = io.BytesIO()
    document.write_pdf(buffer, **PDF_OPTIONS)
    if progress:
        progress(95)
    return RenderedPdf(pdf=buffer.getvalue(), pages=len(document.pages), refused=fetcher.refused)


def warm_up() -> None:
    """Load fonts and WeasyPrint's stylesheets once per worker process, not per render."""
    render_pdf('<html lang="nl"><body><p>Gebiedsplan</p></body></html>')
