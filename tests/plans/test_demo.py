"""The Farent demo content is the two plans of the seeds, word for word."""

import html
import re
from decimal import Decimal

import pytest
from django.test import Client

from matrix.models import MatrixItem
from plans.demo import load_demo, parse_figure
from plans.models import Card, FigureTable, FocusPoint, Milestone, Plan
from wijkdata.models import IndicatorValue

pytestmark = pytest.mark.django_db

SEEDS = {"binnenstad": "000_*.txt", "stedelijk": "001_*.txt"}

# Layout artefacts of the seed exports that are not content: contents-page numbers,
# stray page numbers, column labels repeated as images, the organisation's footer.
IGNORED = re.compile(
    r"^(\d+|Kracht|Kans|Kracht Kans|Farent|sociaal werk|GEBIEDSTEAM|Binnenstad • Spoorzone|"
    r"088 - 023 75 00|\[?www\.farent\.nl.*|Wijken|Gebied|Weinig moeite|Veel moeite|"
    r"Hoge impact|Lage impact|Geen|Geen Geen|\d\. .*\t\d+|Inhoudsopgave)$"
)


def normalise(text: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = text.replace("**", "").replace("–", "-").replace("\u00a0", " ")
    text = re.sub(r"^\s*(#+|-|\d+\.)\s+", "", text, flags=re.M)
    # Labels are "Titel: …" in the seeds and a <dt>/<dd> pair on the page.
    text = text.replace(":", " ")
    return re.sub(r"\s+", " ", text).strip()


def seed_text(shared_dir, name: str) -> str:
    (path,) = (shared_dir / "seeds").glob(SEEDS[name])
    return path.read_text(encoding="utf-8")


def page_text(client: Client, plan: Plan) -> str:
    client.force_login(plan.area.memberships.get(role="manager").user)
    response = client.get(plan.get_absolute_url())
    assert response.status_code == 200
    return normalise(response.content.decode())


def is_figure_row(line: str) -> bool:
    if re.match(r"^\d\. ", line):
        return False  # a contents entry with its page number
    cells = [c.strip() for c in line.split("\t")[1:] if c.strip()]
    return bool(cells) and all(re.fullmatch(r"[\d.,]+%?", c) for c in cells)


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["binnenstad", "stedelijk"])
def test_it_shows_every_sentence_of_the_seed(client, shared_dir, name):
    demo = load_demo()
    plan = getattr(demo, name)
    rendered = page_text(client, plan)
    missing = []
    for raw in seed_text(shared_dir, name).splitlines():
        if "\t" in raw and is_figure_row(raw):
            continue  # figures are compared as numbers below
        for cell in re.split(r"\t|</p>\s*<p>", raw):
            text = normalise(cell)
            if len(text.split()) < 2 or IGNORED.match(text) or text.startswith("Buurtscore"):
                continue
            if text not in rendered:
                missing.append(text)
    assert missing == []


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["binnenstad", "stedelijk"])
def test_it_loads_every_figure_of_the_seed_tables(shared_dir, name):
    demo = load_demo()
    plan = getattr(demo, name)
    loaded = {}
    for table in FigureTable.objects.filter(section__plan=plan):
        for nb_row in table.neighbourhood_rows.select_related("neighbourhood"):
            for ind_row in table.indicator_rows.select_related("indicator"):
                value = IndicatorValue.objects.get(
                    neighbourhood=nb_row.neighbourhood, indicator=ind_row.indicator, year=table.year
                ).value
                loaded[(nb_row.display_label, ind_row.indicator.name)] = value
    seed_rows = [line.split("\t") for line in seed_text(shared_dir, name).splitlines() if is_figure_row(line)]
    seen = 0
    for cells in seed_rows:
        label, figures = cells[0].strip(), [c.strip() for c in cells[1:] if c.strip()]
        matching = {k: v for k, v in loaded.items() if label in (k[0], k[1])}
        assert len(matching) == len(figures), label
        assert sorted(matching.values()) == sorted(parse_figure(f) for f in figures), label
        seen += len(figures)
    assert seen == len(loaded) > 0


def test_it_puts_matrix_items_in_their_quadrants_and_leaves_low_impact_empty():
    demo = load_demo()
    counts = {
        (p.area.name, i, e): MatrixItem.objects.filter(section__plan=p, impact=i, effort=e).count()
        for p in demo.plans
        for i in ("high", "low")
        for e in ("little", "much")
    }
    assert counts[("Binnenstad - Spoorzone", "high", "little")] == 4
    assert counts[("Binnenstad - Spoorzone", "high", "much")] == 5
    assert counts[("Stedelijk", "high", "little")] == 4
    assert counts[("Stedelijk", "high", "much")] == 9
    assert counts[("Stedelijk", "low", "little")] == counts[("Stedelijk", "low", "much")] == 0


def farent_counts() -> tuple:
    farent = {"area__organisation__name": "Farent"}
    inside = {"section__plan__area__organisation__name": "Farent"}
    return (
        Plan.objects.filter(**farent).count(),
        Card.objects.filter(plan__area__organisation__name="Farent").count(),
        MatrixItem.objects.filter(**inside).count(),
        FocusPoint.objects.filter(**inside).count(),
        Milestone.objects.filter(**inside).count(),
        IndicatorValue.objects.filter(neighbourhood__code__startswith="GM0796").count()
        + IndicatorValue.objects.filter(neighbourhood__code__startswith="WK0796").count()
        + IndicatorValue.objects.filter(neighbourhood__code__startswith="BU0796").count(),
    )


def test_it_is_idempotent():
    load_demo()
    before = farent_counts()
    load_demo()
    after = farent_counts()
    assert before == after == (2, 43, 22, 13, 10, 168)


def test_it_keeps_the_colophon():
    plan = load_demo().binnenstad
    assert plan.authors == "Saskia Hordijk en Ellen Huinink"
    assert plan.design == "VisionArt Creatie & Communicatie"
    assert plan.publication_date.strftime("%Y-%m") == "2024-12"
    assert "Jongerenwerk073" in [row["name"] for row in plan.contributors]


def test_it_parses_figures_as_the_seeds_print_them():
    assert parse_figure("76,1") == Decimal("76.1")
    assert parse_figure("74%") == Decimal("74")
    assert parse_figure("160755") == Decimal("160755")
