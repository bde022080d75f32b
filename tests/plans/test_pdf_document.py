"""The designed PDF itself: every chapter's text, the contents' page numbers, headings
kept with their text, metadata, the organisation's colour, and plans with little in them.

The demo plan is rendered once for the module (a render takes a couple of seconds)."""

import re
import subprocess
from dataclasses import dataclass

import pytest
from django.db import transaction

from matrix.models import MatrixItem
from plans import services
from plans.demo import load_demo
from plans.history import visible_text
from plans.models import Card, FocusPoint, Milestone, Plan, Section
from plans.pdf import plan_html
from plans.pdf.render import layout, render_pdf
from plans.selectors import plan_document
from tests.base import People


def chapter_titles(plan: Plan) -> list[dict]:
    """The chapters the document shows, with their contents entry and heading."""
    return [
        {"number": view.number, "entry": view.section.contents_entry, "heading": view.heading}
        for view in plan_document(plan).sections
    ]


def heading_of(plan: Plan, kind: str) -> str:
    return Section.objects.filter(plan=plan, kind=kind, parent=None).order_by("order").first().heading


def squash(text: str) -> str:
    """Text without case, whitespace and hyphens: text-transform, line breaks and
    hyphenation do not matter."""
    return re.sub(r"[\s\-\u00ad\u2010\u2011]+", "", text).lower()


def pdf_pages(pdf: bytes, tmp_path, *, layout: bool = False) -> list[str]:
    """The text of each page; `layout` keeps columns side by side (for the contents)."""
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf)
    options = ["-layout"] if layout else []
    out = subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


@dataclass
class Rendered:
    plan: Plan
    chapters: list[dict]
    html: str
    pdf: bytes
    pages: list[str]
    layout_pages: list[str]
    document: object
    strengths: list[str]
    themes: list[str]
    matrix: list[str]
    focus: list[FocusPoint]
    milestones: list[Milestone]
    headings: dict


@pytest.fixture(scope="module")
def binnenstad(django_db_setup, django_db_blocker, tmp_path_factory) -> Rendered:
    with django_db_blocker.unblock(), transaction.atomic():
        plan = load_demo().binnenstad
        plan = Plan.objects.select_related("area__organisation").get(pk=plan.pk)
        html = plan_html(plan)
        document, _fetcher = layout(html)
        pdf = render_pdf(html).pdf
        rendered = Rendered(
            plan=plan,
            chapters=chapter_titles(plan),
            html=html,
            pdf=pdf,
            pages=pdf_pages(pdf, tmp_path_factory.mktemp("pdf")),
            layout_pages=pdf_pages(pdf, tmp_path_factory.mktemp("pdf"), layout=True),
            document=document,
            strengths=[visible_text(t) for t in Card.objects.filter(plan=plan).values_list("text", flat=True)],
            themes=list(plan.themes.values_list("name", flat=True)),
            matrix=[item.title for item in MatrixItem.objects.filter(section__plan=plan)],
            focus=list(FocusPoint.objects.filter(section__plan=plan)),
            milestones=list(Milestone.objects.filter(section__plan=plan)),
            headings={kind: heading_of(plan, kind) for kind in ("figures", "text", "cards")},
        )
        transaction.set_rollback(True)
    return rendered


class TestDemoPlan:
    def test_it_has_a_cover_contents_and_colophon(self, binnenstad):
        cover, contents, colophon = (squash(p) for p in binnenstad.pages[:3])
        assert squash("Gebiedsplan 2025") in cover
        assert squash("Binnenstad - Spoorzone") in cover
        assert "farent" in cover
        assert squash("Samen maken wij de wijk sterker!") in contents
        assert squash("Inhoudsopgave") in contents
        for label in (
            "Colofon",
            "Publicatiedatum",
            "December 2024",
            "Uitgave door",
            "Farent Sociaal Werk",
            "Saskia Hordijk en Ellen Huinink",
            "VisionArt Creatie & Communicatie",
            "Shutterstock",
            "© 2024 Farent Sociaal Werk.",
        ):
            assert squash(label) in colophon, label

    def test_it_contains_the_text_of_every_chapter(self, binnenstad):
        text = squash("".join(binnenstad.pages))
        expected = [
            # 1 Kenmerken: tables in Dutch number formats, with year and source.
            binnenstad.headings["figures"],
            "Voldoende sociale contacten",
            "76,1",
            "82,6",
            "74%",
            "6.960",
            "0101 Binnenstad centrum",
            "Bron: Gemeente 's-Hertogenbosch, 2024",
            "Figuur 1",
            # 2 Het verhaal.
            binnenstad.headings["text"],
            "Een divers en bruisend gebied",
            "buurtcoöperatie Copernikkel",
            "De buurtkrant en betrokken wijknetwerken",
            # 3 Krachten en kansen: every theme and every card.
            binnenstad.headings["cards"],
            "Kracht",
            "Kans",
            *binnenstad.themes,
            *binnenstad.strengths,
            # 4 Matrix: the 2×2, its items, the empty quadrants and where to start.
            "Impact/effort matrix",
            "Hoge impact",
            "Lage impact",
            "Weinig moeite",
            "Veel moeite",
            "Hier beginnen we",
            *binnenstad.matrix,
            # 5 Focus, with both arguments of each point.
            "Focus 2025 – een analyse",
            *[p.title for p in binnenstad.focus],
            *[visible_text(p.quantitative) for p in binnenstad.focus],
            *[visible_text(p.qualitative) for p in binnenstad.focus],
            "Kwantitatief",
            "Kwalitatief",
            # 6 Tenslotte: timeline and the advice on execution plans.
            "Tenslotte",
            "Proces gebieds- en uitvoeringsplannen",
            *[m.period_label for m in binnenstad.milestones],
            *[line for m in binnenstad.milestones for line in m.lines],
            "Uitvoeringsplannen",
            "Advies inhoud uitvoeringsplannen",
            "Urgentie:",
            "Bereik:",
            "Haalbaarheid:",
            # Back cover.
            "088 - 023 75 00",
            "www.farent.nl",
        ]
        missing = [phrase for phrase in expected if squash(phrase) not in text]
        assert not missing
        # Both low-impact quadrants are empty and say so.
        matrix_page = next(p for p in binnenstad.pages if "hier beginnen we" in p.lower())
        assert matrix_page.count("Geen") >= 2

    def test_it_puts_the_chapters_in_the_order_of_the_seeds(self, binnenstad):
        text = squash("".join(binnenstad.pages[3:]))
        positions = [text.find(squash(c["heading"])) for c in binnenstad.chapters]
        assert all(p >= 0 for p in positions)
        assert positions == sorted(positions)

    def test_it_numbers_the_contents_with_the_pages_the_chapters_start_on(self, binnenstad):
        pages = binnenstad.layout_pages
        contents_index = next(i for i, p in enumerate(pages) if "Inhoudsopgave" in p)
        contents = pages[contents_index]
        for chapter in binnenstad.chapters:
            match = re.search(
                rf"{chapter['number']}\s+{re.escape(chapter['entry'])}\s+(\d+)\s*$",
                contents,
                re.MULTILINE,
            )
            assert match, f"no contents entry for {chapter['entry']!r}"
            listed = int(match.group(1))
            heading = squash(chapter["heading"])
            actual = next(
                i + 1
                for i, page in enumerate(pages)
                if i > contents_index and heading in squash(page)
            )
            assert listed == actual, chapter["entry"]

    def test_it_has_a_running_header_and_page_x_of_y(self, binnenstad):
        pages = binnenstad.pages
        total = len(pages)
        story_page = next(
            i for i, p in enumerate(pages) if squash(binnenstad.headings["text"]) in squash(p)
        )
        assert f"pagina {story_page + 1} van {total}" in pages[story_page]
        assert "Het verhaal" in pages[story_page]  # the running header names the chapter
        assert "Gebiedsplan 2025 · Binnenstad - Spoorzone" in pages[story_page]
        assert "pagina" not in pages[0]  # not on the cover

    def test_it_never_leaves_a_heading_at_the_bottom_of_a_page(self, binnenstad):
        for number, page in enumerate(binnenstad.document.pages, start=1):
            lines = list(_line_boxes(page._page_box))
            for tag, y in lines:
                if tag in {"h1", "h2", "h3", "h4"}:
                    below = [
                        t
                        for t, other_y in lines
                        if other_y > y and t not in {"h1", "h2", "h3", "h4"}
                    ]
                    assert below, f"heading <{tag}> ends page {number}"

    def test_it_draws_the_figures_as_svg_charts(self, binnenstad):
        assert binnenstad.html.count("<svg") >= 4  # cover art + three charts
        assert 'role="img"' in binnenstad.html
        assert "<title>Wijken vergeleken</title>" in binnenstad.html
        text = squash("".join(binnenstad.pages))
        assert squash("Figuur 3") in text

    def test_it_has_title_author_and_language_metadata_and_tags(self, binnenstad, tmp_path):
        path = tmp_path / "plan.pdf"
        path.write_bytes(binnenstad.pdf)
        info = subprocess.run(
            ["pdfinfo", str(path)], capture_output=True, text=True, check=True
        ).stdout
        assert re.search(r"^Title:\s+Gebiedsplan 2025 - Binnenstad, Spoorzone$", info, re.M)
        assert re.search(r"^Author:\s+Saskia Hordijk en Ellen Huinink$", info, re.M)
        assert re.search(r"^Tagged:\s+yes$", info, re.M)
        assert re.search(r"^Page size:\s+595.\d+ x 841.\d+ pts \(A4\)", info, re.M)
        assert '<html lang="nl">' in binnenstad.html
        structure = subprocess.run(
            ["pdfinfo", "-struct", str(path)], capture_output=True, text=True, check=True
        ).stdout
        for tag in ("H1", "Table", "Figure", "L"):
            assert re.search(rf"^\s*{tag}\b", structure, re.M), tag
        assert b"/Lang (nl)" in _inflated(binnenstad.pdf)

    def test_it_uses_the_organisation_colour(self, binnenstad):
        assert "--brand: #00656b" in binnenstad.html


def _line_boxes(box, tag=None):
    from weasyprint.formatting_structure import boxes

    element = getattr(box, "element", None)
    if element is not None and getattr(box, "element_tag", None):
        tag = box.element_tag
    if isinstance(box, boxes.LineBox):
        if box.children:
            yield tag, box.position_y
        return
    for child in getattr(box, "children", []):
        yield from _line_boxes(child, tag)


def _inflated(pdf: bytes) -> bytes:
    import zlib

    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            parts.append(
                zlib.decompressobj().decompress(pdf[match.end() : match.end() + 2_000_000])
            )
        except zlib.error:
            continue
    return b"\n".join(parts)


SPARSE = [
    ("figures", "Kenmerken van het gebied"),
    ("text", "Het verhaal", "Een wijk in beweging."),
    ("cards", "Krachten en kansen"),
    ("matrix", "Impact/effort matrix", "Zo bepalen we waar we beginnen."),
    ("focus", "Focus"),
    ("text", "Tenslotte"),
]


@pytest.mark.django_db
class TestSparsePlans:
    def test_it_leaves_out_the_sections_that_are_still_empty(self, tmp_path):
        people = People.create(sections=SPARSE, themes=["Gezond leven"])
        rendered = render_pdf(plan_html(people.plan))
        text = squash("".join(pdf_pages(rendered.pdf, tmp_path)))
        assert squash("Het verhaal") in text and squash("Een wijk in beweging.") in text
        for absent in ("Impact/effort matrix", "Zo bepalen we", "Krachten en kansen", "Focus", "Tenslotte", "Geen"):
            assert squash(absent) not in text, absent
        assert rendered.refused == []

    def test_it_prints_geen_in_the_empty_quadrants_of_a_matrix_with_items(self, tmp_path):
        people = People.create(sections=SPARSE)
        matrix = people.plan.sections.get(kind="matrix")
        services.content_add(MatrixItem, section=matrix, title="We gaan koken", impact="high", effort="little")
        pages = pdf_pages(render_pdf(plan_html(people.plan)).pdf, tmp_path)
        matrix_page = next(p for p in pages if "hier beginnen we" in p.lower())
        assert matrix_page.count("Geen") == 3
        assert "We gaan koken" in matrix_page

    def test_it_renders_themes_without_cards_and_points_without_arguments(self, tmp_path):
        people = People.create(sections=SPARSE, themes=["Gezond leven", "Talent ontplooien"])
        cards = people.plan.sections.get(kind="cards")
        services.card_add(
            section=cards, kind=cards.card_kinds.get(name="Kracht"), theme=people.plan.themes.get(name="Gezond leven"),
            text="Veel vrijwilligers.",
        )
        services.content_add(
            FocusPoint, section=people.plan.sections.get(kind="focus"), title="Eenzaamheid",
            quantitative="12% voelt zich eenzaam.",
        )
        text = squash("".join(pdf_pages(render_pdf(plan_html(people.plan)).pdf, tmp_path)))
        for phrase in (
            "Gezond leven",
            "Talent ontplooien",
            "Veel vrijwilligers.",
            "Geen",
            "Eenzaamheid",
            "12% voelt zich eenzaam.",
        ):
            assert squash(phrase) in text

    def test_it_falls_back_to_the_default_colour_when_the_stored_one_is_invalid(self):
        people = People.create()
        type(people.organisation).objects.filter(pk=people.organisation.pk).update(colour="</style")
        plan = Plan.objects.select_related("area__organisation").get(pk=people.plan.pk)
        html = plan_html(plan)
        assert "</style" not in html.split("</style>")[0].split("--brand:")[1]
        assert "--brand: #1a6e5a" in html

    def test_it_repeats_the_table_header_when_a_theme_runs_over_a_page(self, tmp_path):
        people = People.create(sections=SPARSE, themes=["Versterken sociale structuur"])
        cards = people.plan.sections.get(kind="cards")
        theme = people.plan.themes.get()
        for i in range(40):
            services.card_add(
                section=cards,
                kind=cards.card_kinds.get(name="Kracht" if i % 2 else "Kans"),
                theme=theme,
                text=f"Kaart {i:02d}: " + "buurtbewoners helpen elkaar met boodschappen en vervoer. " * 4,
            )
        pages = pdf_pages(render_pdf(plan_html(people.plan)).pdf, tmp_path)
        with_cards = [p for p in pages if "Kaart " in p]
        assert len(with_cards) >= 2
        for page in with_cards:
            assert "Versterken sociale structuur" in page
            assert re.search(r"KRACHT\s+KANS", page)
        # Every card is printed once: no row is cut in two or repeated.
        text = "".join(with_cards)
        assert all(text.count(f"Kaart {i:02d}:") == 1 for i in range(40))


def test_text_in_the_running_header_cannot_leave_its_css_string():
    from plans.pdf.render import css_string

    assert (
        css_string('Wijk "Oost"; } @page { x')
        == '"Wijk \\22 Oost\\22 \\3b  \\7d  \\40 page \\7b  x"'
    )


@pytest.mark.django_db
def test_the_running_header_prints_an_area_name_with_quotes_and_braces(tmp_path):
    people = People.create(sections=SPARSE)
    type(people.area).objects.filter(pk=people.area.pk).update(name='Wijk "Oost" } @page {')
    plan = Plan.objects.select_related("area__organisation").get(pk=people.plan.pk)
    pages = pdf_pages(render_pdf(plan_html(plan)).pdf, tmp_path)
    assert 'Gebiedsplan 2025 · Wijk "Oost" } @page {' in pages[3]


@pytest.mark.django_db
def test_the_matrix_in_the_pdf_names_the_proposing_organisation_and_votes(tmp_path):
    people = People.create(sections=SPARSE)
    matrix = people.plan.sections.get(kind="matrix")
    services.content_add(
        MatrixItem, section=matrix, title="We gaan koken", impact="high", effort="little", proposed_by="GGD", votes=3
    )
    text = "".join(pdf_pages(render_pdf(plan_html(people.plan)).pdf, tmp_path))
    assert "(GGD · 3 stemmen)" in text
