import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from matrix.models import MatrixItem
from plans import services
from plans.models import (
    FigureTableNeighbourhood,
    FocusPoint,
)
from tests.base import People

pytestmark = pytest.mark.django_db

CHAPTERS = [
    "Kenmerken van het gebied/ de wijken: kwantitatief (data)",
    "Het verhaal van Binnenstad en Spoorzone &#x27;s-Hertogenbosch",
    "Krachten en kansen van Binnenstad en Spoorzone",
    "Impact/effort matrix",
    "Focus 2025 – een analyse",
    "Tenslotte",
]


@pytest.fixture
def binnenstad(demo):
    """The demo plan, back in concept so that it can be edited (an adopted plan cannot)."""
    type(demo.binnenstad).objects.filter(pk=demo.binnenstad.pk).update(status="concept")
    return People.create(area=demo.binnenstad.area)


def test_it_shows_all_six_chapters_in_the_seeds_order(client, binnenstad):
    client.force_login(binnenstad.manager)
    response = client.get(binnenstad.plan.get_absolute_url())
    assert response.status_code == 200
    assert "plans/plan_detail.html" in [t.name for t in response.templates]
    body = response.content.decode()
    headings = re.findall(r'<h2 class="utrecht-heading-2" id="h-[a-z0-9-]+">([^<]+)</h2>', body)
    assert headings == ["Inhoudsopgave", "Colofon", *CHAPTERS]


def test_it_formats_figures_the_dutch_way_with_year_and_source(client, binnenstad):
    client.force_login(binnenstad.manager)
    body = client.get(binnenstad.plan.get_absolute_url()).content.decode()
    assert ">76,1<" in body  # score
    assert ">74%<" in body  # percentage
    assert ">6.960<" in body  # count with a thousands separator
    assert "Bron: Gemeente &#x27;s-Hertogenbosch, 2024" in body
    assert "Gebiedsplan 2025" in body and "2.025" not in body


def test_it_prints_geen_in_empty_quadrants(client, binnenstad):
    client.force_login(binnenstad.manager)
    body = client.get(binnenstad.plan.get_absolute_url()).content.decode()
    assert body.count('class="matrix__empty">Geen<') == 2


def test_it_switches_to_english(client, binnenstad):
    client.force_login(binnenstad.manager)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get(binnenstad.plan.get_absolute_url()).content.decode()
    assert "Table of contents" in body
    assert ">76.1<" in body


def test_it_requires_login(client, binnenstad):
    response = client.get(binnenstad.plan.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith("/inloggen/")


def test_it_hides_the_plan_from_a_user_without_a_role(client, binnenstad):
    client.force_login(binnenstad.outsider)
    assert client.get(binnenstad.plan.get_absolute_url()).status_code == 404


def test_it_hides_a_plan_of_another_area_from_its_members(client, demo, binnenstad):
    client.force_login(binnenstad.manager)
    assert client.get(demo.stedelijk.get_absolute_url()).status_code == 404


def test_it_rejects_post(client, binnenstad):
    client.force_login(binnenstad.manager)
    assert client.post(binnenstad.plan.get_absolute_url()).status_code == 405


def test_it_returns_one_section_as_a_fragment_for_htmx(client, binnenstad):
    client.force_login(binnenstad.manager)
    matrix = binnenstad.plan.sections.get(kind="matrix")
    story = binnenstad.plan.sections.get(kind="text", parent=None, order=1)
    response = client.get(
        binnenstad.plan.get_absolute_url() + f"?onderdeel={matrix.code.hex}", HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert f'id="h-s-{matrix.code.hex[:8]}"' in body and f'id="h-s-{story.code.hex[:8]}"' not in body
    assert body.count('class="matrix__empty">Geen<') == 2


def test_it_answers_404_for_a_section_of_another_plan(client, demo, binnenstad):
    client.force_login(binnenstad.manager)
    other = demo.stedelijk.sections.get(kind="matrix")
    response = client.get(
        binnenstad.plan.get_absolute_url() + f"?onderdeel={other.code.hex}", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 404


def test_it_escapes_user_text(client, binnenstad):
    plan = binnenstad.plan
    story = plan.sections.get(kind="text", parent=None, order=1)
    services.section_update(section=story, intro="<script>alert('x')</script> **<img src=x onerror=alert(1)>**")
    services.content_add(
        MatrixItem, section=plan.sections.get(kind="matrix"), title="<b>vet</b>", text="<script>1</script>",
        impact="low", effort="much",
    )
    client.force_login(binnenstad.manager)
    body = client.get(plan.get_absolute_url()).content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body and "<script>1" not in body
    assert "&lt;script&gt;alert" in body


def _grow(plan, factor: int) -> None:
    """Give the plan (factor - 1) more copies of all its sections, with all their content."""
    originals = list(plan.sections.filter(parent=None))
    for _ in range(factor - 1):
        services.plan_copy_sections(source=plan, target=plan, sections=originals)


def _article(response) -> bytes:
    return response.content.split(b'<article class="plan"')[1].split(b"</article>")[0]


def _count_queries(client, url) -> tuple[int, int]:
    """Queries of a first (rendering) and a second (cached) request for the page."""
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        response = client.get(url)
    with CaptureQueriesContext(connection) as warm:
        # The same plan; only per-request parts around it (CSRF tokens) differ.
        assert _article(client.get(url)) == _article(response)
    return len(cold), len(warm)


def test_it_uses_the_same_number_of_queries_for_ten_times_the_content(client, binnenstad):
    client.force_login(binnenstad.manager)
    url = binnenstad.plan.get_absolute_url()
    client.get(url)  # the session's first use
    small = _count_queries(client, url)
    sections = binnenstad.plan.sections.count()
    _grow(binnenstad.plan, 10)
    assert binnenstad.plan.sections.count() == 10 * sections
    large = _count_queries(client, url)
    assert client.get(url).content.decode().count('class="matrix__item"') == 90
    assert small == large
    # First render: user, plan header, full plan, 15 for the document, and 5 more for the
    # demo's execution plan (its actions, targets, budget lines, reviews, target figures).
    assert small[0] <= 23
    assert small[1] <= 2  # cached: user, plan header with role and revision


def _reimport_with(value: str) -> None:
    """Export the municipality's figures, change one, and import the file again: the
    figure changes through the importer, as when a corrected CBS file arrives."""
    import csv
    import io

    from wijkdata.services import indicators_export, indicators_import

    rows = list(csv.DictReader(io.StringIO(indicators_export(municipality="GM0796", year=2024).decode("utf-8-sig"))))
    for row in rows:
        if row["code"] == "WK079601" and row["indicator"] == "sociale-contacten":
            row["value"] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    indicators_import(data=out.getvalue().encode(), file_name="correctie.csv")


@pytest.mark.parametrize(
    "change",
    [
        "edit a card", "delete a matrix item", "add a focus point", "rename a plan theme",
        "import a corrected figure", "remove a table row", "edit the story", "rename the area",
        "move a section",
    ],
)
def test_it_shows_a_change_at_once_despite_the_cache(client, binnenstad, change):
    plan = binnenstad.plan
    client.force_login(binnenstad.manager)
    before = client.get(plan.get_absolute_url()).content.decode()
    marker = "Gewijzigd-XYZ"
    if change == "edit a card":
        services.content_update(item=plan.cards.first(), text=marker)
    elif change == "delete a matrix item":
        item = MatrixItem.objects.filter(section__plan=plan).first()
        marker = item.title
        services.content_delete(item=item)
    elif change == "add a focus point":
        services.content_add(FocusPoint, section=plan.sections.get(kind="focus"), title=marker)
    elif change == "rename a plan theme":
        services.plan_theme_update(theme=plan.themes.first(), name=marker)
    elif change == "import a corrected figure":
        _reimport_with("12.3")
        marker = "12,3"
    elif change == "remove a table row":
        row = FigureTableNeighbourhood.objects.get(table__section__plan=plan, neighbourhood__code="BU07960106")
        marker = row.display_label
        table = row.table
        services.figure_table_save(
            section=table.section, table=table, heading=table.heading, layout=table.layout, year=table.year,
            indicator_ids=[r.indicator_id for r in table.indicator_rows.all()],
            neighbourhood_ids=[r.neighbourhood_id for r in table.neighbourhood_rows.exclude(pk=row.pk)],
        )
    elif change == "edit the story":
        services.section_update(section=plan.sections.get(kind="text", parent=None, order=1), intro=marker)
    elif change == "rename the area":
        plan.area.name = marker
        plan.area.save()
    elif change == "move a section":
        matrix = plan.sections.get(kind="matrix")
        services.section_move(section=matrix, position=0)
        before = before.index('id="h-s-'), before.index(f'id="h-s-{matrix.code.hex[:8]}"')
        after = client.get(plan.get_absolute_url()).content.decode()
        assert after.index(f'id="h-s-{matrix.code.hex[:8]}"') == after.index('id="h-s-') != before[1]
        return
    after = client.get(plan.get_absolute_url()).content.decode()
    assert (escape(marker) in before) != (escape(marker) in after)


def test_it_keeps_a_plan_as_it_was_when_the_organisation_changes_its_themes(client, binnenstad):
    """Themes belong to the plan: renaming, adding or retiring the organisation's themes
    never changes an existing (here: adopted) plan."""
    plan = binnenstad.plan
    client.force_login(binnenstad.manager)
    before = _article(client.get(plan.get_absolute_url()))
    organisation = plan.area.organisation
    first = organisation.themes.order_by("order").first()
    first.name = "Nieuw thema-naam 2026"
    first.save()
    organisation.themes.create(name="Digitale inclusie", order=99)
    organisation.themes.exclude(pk=first.pk).update(retired=True)
    cache.clear()
    after = _article(client.get(plan.get_absolute_url()))
    assert after == before
    assert b"Digitale inclusie" not in after and b"Nieuw thema-naam" not in after


def test_a_new_plan_copies_the_current_themes_and_leaves_out_empty_sections(client, binnenstad):
    organisation = binnenstad.plan.area.organisation
    organisation.themes.create(name="Digitale inclusie", order=99)
    organisation.themes.filter(name="Gezond leven").update(retired=True)
    plan = services.plan_create(area=binnenstad.plan.area, period_start=2026)
    names = list(plan.themes.values_list("name", flat=True))
    assert "Digitale inclusie" in names and "Gezond leven" not in names
    assert plan.heading == "Gebiedsplan 2026"
    client.force_login(binnenstad.manager)
    body = client.get(plan.get_absolute_url()).content.decode()
    # A fresh plan has no matrix items, focus points or cards: those sections stay out.
    assert "Impact/effort matrix</h2>" not in body and "Geen<" not in body
    assert "Gebiedsplan 2026" in body


def test_the_cache_key_changes_with_the_code_that_shapes_the_article(settings, tmp_path):
    from plans import page_cache

    settings.BASE_DIR = tmp_path
    template = tmp_path / "templates/plans/plan_detail.html"
    template.parent.mkdir(parents=True)
    template.write_text("versie 1")
    page_cache.code_digest.cache_clear()
    first = page_cache.code_digest()
    template.write_text("versie 2")
    page_cache.code_digest.cache_clear()
    try:
        assert page_cache.code_digest() != first
    finally:
        page_cache.code_digest.cache_clear()


def test_staff_read_every_plan(client, binnenstad):
    client.force_login(binnenstad.admin)
    assert client.get(binnenstad.plan.get_absolute_url()).status_code == 200


def test_the_header_lookup_applies_the_same_access_rule_as_the_full_one(binnenstad, demo):
    import uuid

    from django.http import Http404

    from plans.selectors import get_plan_for_user, get_plan_header_for_user

    plan = binnenstad.plan
    for person in (binnenstad.coordinator, binnenstad.manager, binnenstad.facilitator, binnenstad.admin):
        header, full = get_plan_header_for_user(person, plan.code), get_plan_for_user(person, plan.code)
        assert (header.pk, header.code, header.title, header.area.code, header.user_role) == (
            full.pk, full.code, full.title, full.area.code, full.user_role,
        )
    for person, code in (
        (binnenstad.outsider, plan.code),
        (binnenstad.manager, demo.stedelijk.code),
        (binnenstad.manager, uuid.uuid4()),
    ):
        with pytest.raises(Http404):
            get_plan_header_for_user(person, code)


def test_an_adopted_plan_keeps_its_figures_when_a_corrected_file_is_imported(client, demo):
    """Adopted means frozen: a re-import changes the live figures, not the adopted plan."""
    plan = demo.binnenstad
    assert plan.status == "adopted"
    people = People.create(area=plan.area)
    client.force_login(people.coordinator)
    before = client.get(plan.get_absolute_url()).content.decode()
    assert ">76,1<" in before and "Nieuwere cijfers beschikbaar" not in before
    _reimport_with("12.3")
    after = client.get(plan.get_absolute_url()).content.decode()
    assert ">76,1<" in after and ">12,3<" not in after
    assert "Nieuwere cijfers beschikbaar: cijfers in dit plan zijn na de vaststelling gecorrigeerd." in after
    # A plan in concept does show the corrected figure.
    copy = services.plan_copy_to_next_period(plan=plan)
    assert ">12,3<" in client.get(copy.get_absolute_url()).content.decode()
