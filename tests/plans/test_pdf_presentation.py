"""What a reader of the printed plan sees: the vendored typeface, nothing past the right
margin, no page left almost empty, and place names never hyphenated or broken."""

import re
import subprocess
from dataclasses import dataclass

import pytest
from django.db import transaction

from plans.demo import load_demo
from plans.models import Plan
from plans.pdf import plan_html
from plans.pdf.render import layout, render_pdf

# Place names of the demo plans (seeds 000 and 001, and the Eemland plan).
NAMES = {
    "Binnenstad",
    "Spoorzone",
    "Boschveld",
    "Paleiswartier",
    "Paleiskwartier",
    "Willemspoort",
    "Vugterpoort",
    "Hertogenbosch",
    "Copernikkel",
    "Nederland",
    "Europa",
    "Kruiskamp",
    "Schothorst",
    "Liendert",
    "Rustenburg",
    "Amersfoort",
}


@dataclass
class Printed:
    name: str
    html: str
    pdf: bytes
    document: object
    lines: list[str]


@pytest.fixture(scope="module")
def printed(django_db_setup, django_db_blocker, tmp_path_factory) -> list[Printed]:
    out = []
    with django_db_blocker.unblock(), transaction.atomic():
        demo = load_demo()
        for name in ("binnenstad", "stedelijk", "eemland"):
            plan = Plan.objects.select_related("area__organisation").get(pk=getattr(demo, name).pk)
            html = plan_html(plan)
            document, _fetcher = layout(html)
            pdf = render_pdf(html).pdf
            path = tmp_path_factory.mktemp("pdf") / f"{name}.pdf"
            path.write_bytes(pdf)
            text = subprocess.run(
                ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
            ).stdout
            out.append(
                Printed(name, html, pdf, document, [line.strip() for line in text.splitlines()])
            )
        transaction.set_rollback(True)
    return out


def test_every_font_in_the_pdf_is_the_vendored_source_sans_3(printed, tmp_path):
    for plan in printed:
        path = tmp_path / f"{plan.name}.pdf"
        path.write_bytes(plan.pdf)
        listing = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, check=True, text=True
        ).stdout
        fonts = {line.split()[0].split("+")[-1] for line in listing.splitlines()[2:]}
        assert fonts and all(font.startswith("Source-Sans-3") for font in fonts), fonts


def _boxes(box):
    yield box
    for child in getattr(box, "children", []):
        yield from _boxes(child)


def test_no_text_runs_past_the_right_margin(printed):
    from weasyprint.formatting_structure import boxes

    for plan in printed:
        for number, page in enumerate(plan.document.pages, start=1):
            page_box = page._page_box
            right = page.width - page_box.margin_right + 0.5
            for box in _boxes(page_box):
                if isinstance(box, boxes.TextBox) and box.text.strip():
                    end = box.position_x + box.width
                    assert end <= right, (
                        f"{plan.name} page {number}: {box.text!r} ends at {end:.0f} > {right:.0f}"
                    )


def _line_tops(box, tag=None):
    from weasyprint.formatting_structure import boxes

    tag = getattr(box, "element_tag", None) or tag
    if isinstance(box, boxes.LineBox):
        if box.children:
            yield tag, box.position_y, box.position_y + box.height
        return
    for child in getattr(box, "children", []):
        yield from _line_tops(child, tag)


def test_no_page_is_left_almost_empty(printed):
    from weasyprint.formatting_structure import boxes

    for plan in printed:
        pages = plan.document.pages
        # Not the covers, the contents and the colophon, nor a chapter's first page: a
        # short chapter may leave its page half empty, the end of a long one may not.
        for number, page in enumerate(pages[3:-1], start=4):
            lines = [
                line
                for child in page._page_box.children
                if not isinstance(child, boxes.MarginBox)  # running header and footer
                for line in _line_tops(child)
            ]
            if any(tag == "h1" for tag, _top, _bottom in lines):
                continue
            box = page._page_box
            top = box.margin_top
            height = page.height - box.margin_top - box.margin_bottom
            used = (max(bottom for _tag, _top, bottom in lines) - top) / height
            assert used > 0.33, f"{plan.name} page {number} is {used:.0%} full"


def test_s_hertogenbosch_never_breaks_after_its_s(printed):
    for plan in printed[:2]:  # the Farent plans
        assert [line for line in plan.lines if re.search(r"['’]s[-\u2010]$", line)] == []
        # pdftotext joins a word broken at a hyphen: "'s-" / "Hertogenbosch" reads
        # "'sHertogenbosch".
        assert [line for line in plan.lines if re.search(r"['’]s[A-Z]", line)] == []
        assert sum("'s-Hertogenbosch" in line for line in plan.lines) > 3


def test_place_names_are_never_hyphenated(printed):
    for plan in printed:
        broken = [
            f"{line} / {after}"
            for line, after in zip(plan.lines, plan.lines[1:], strict=False)
            if (head := re.search(r"(\w+)[-\u2010]$", line))
            and (tail := re.match(r"\w+", after))
            and head.group(1) + tail.group(0) in NAMES
        ]
        assert broken == []


def test_no_line_of_text_stops_far_short_of_its_column(printed):
    """Only a paragraph's last line may be short; WeasyPrint broke "Dit sugge-" /
    "reert" / "ruimte voor …" when a name's span followed a space outside it."""
    from weasyprint.formatting_structure import boxes

    def short_lines(box):
        lines = [c for c in getattr(box, "children", []) if isinstance(c, boxes.LineBox)]
        for line in lines[:-1]:
            texts = [t for t in line.descendants() if isinstance(t, boxes.TextBox)]
            used = max((t.position_x + t.width for t in texts), default=0) - box.content_box_x()
            if box.width > 100 and used < 0.6 * box.width:
                yield "".join(t.text for t in texts)
        for child in getattr(box, "children", []):
            if not isinstance(child, boxes.LineBox):
                yield from short_lines(child)

    for plan in printed:
        for number, page in enumerate(plan.document.pages, start=1):
            assert list(short_lines(page._page_box)) == [], f"{plan.name} page {number}"


def test_every_chart_arrives_with_its_caption(printed):
    """WeasyPrint 70 drops what overflows a page inside a flex container: a layout trick
    to move charts after the tables lost the caption of Eemland's Figure 2."""
    for plan in printed:
        charts = plan.html.count('<figure class="chart">')
        captions = len(re.findall(r"^Figuur \d+", "\n".join(plan.lines), re.M))
        assert captions == charts, plan.name
