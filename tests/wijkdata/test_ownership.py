"""Two organisations in one municipality: whose figures are whose.

Public figures (CBS, GGD; written by staff or the command) are shared; a coordinator's
upload writes figures of the area's organisation, which no other organisation sees and
which never change public figures, another organisation's figures or its plans.
"""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from plans import services
from plans.models import Area, FigureTable, FrozenValue, Membership, Organisation, Plan, SectionKind
from plans.pdf import plan_html
from tests.base import PASSWORD
from wijkdata import selectors
from wijkdata.models import ImportBatch, Indicator, IndicatorValue, Neighbourhood
from wijkdata.services import import_batch_owner_id, indicators_import

pytestmark = pytest.mark.django_db

# The second organisation's own measurement of loneliness in wijk Centrum (public: 50,0).
OWN_FIGURES = "Codering;Naam;Eenzaam\nWK999901;Centrum;77,0\n"
# A column outside the catalogue: it becomes an indicator of the uploading organisation.
OWN_SURVEY = "Codering;Naam;Tevredenheid over de speeltuin\nWK999901;Centrum;6,4\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def two(area_with_figures, django_user_model):
    """The test organisation (with a plan showing Centrum) and a second organisation in the
    same municipality (GM9999) with its own area over the same wijk and a coordinator."""
    people = area_with_figures
    second = Organisation.objects.create(
        name="Welzijn Twee", municipality_name="Teststad", municipality_code="GM9999"
    )
    area = Area.objects.create(organisation=second, name="Centrum (Twee)")
    centrum = Neighbourhood.objects.get(code="WK999901", year=2024)
    area.neighbourhoods.add(centrum)
    coordinator = django_user_model.objects.create_user(username="t-coordinator-2", password=PASSWORD)
    Membership.objects.create(area=area, user=coordinator, role=Membership.Role.COORDINATOR)
    plan = services.plan_create(area=area, period_start=2025, title="Plan van Twee")
    for owner_plan in (people.plan, plan):
        _figures_table(owner_plan, centrum)
    people.second, people.second_area, people.second_coordinator = second, area, coordinator
    people.second_plan, people.centrum = plan, centrum
    return people


def _figures_table(plan, centrum):
    section = services.section_add(plan=plan, kind=SectionKind.FIGURES, heading="Kenmerken")
    services.figure_table_save(
        section=section,
        heading="Centrum in cijfers",
        layout=FigureTable.Layout.INDICATOR_ROWS,
        year=2024,
        indicator_ids=[lonely().pk],
        neighbourhood_ids=[centrum.pk],
    )


def lonely() -> Indicator:
    return Indicator.objects.get(name="Eenzaam", owner=None)


def upload(client, area, data: str, **fields):
    response = client.post(
        reverse("wijkdata:import_upload", args=[area.code]),
        {"file": SimpleUploadedFile("eigen.csv", data.encode()), "year": "2024", **fields},
    )
    return response


def upload_and_confirm(client, area, data: str, **fields) -> ImportBatch:
    response = upload(client, area, data, **fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.latest("created")
    assert batch.status == ImportBatch.Status.PREVIEW, batch.report
    client.post(reverse("wijkdata:import_confirm", args=[batch.code]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE, (batch.error, batch.report)
    return batch


def shows(html: str, figure: str) -> bool:
    """The figure as a whole cell ("50%" on the data page, "50" or "50,0" in a plan)."""
    return re.search(rf">(<span[^>]*>[^<]*</span>)?\s*{figure}(,0)?%?\s*<", html) is not None


def revision(plan) -> int:
    return Plan.objects.get(pk=plan.pk).revision


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


class TestSecondOrganisationsUpload:
    def test_it_leaves_the_first_organisations_figures_and_plan_alone(self, client, two):
        first_revision = revision(two.plan)
        second_revision = revision(two.second_plan)
        client.force_login(two.second_coordinator)
        upload_and_confirm(client, two.second_area, OWN_FIGURES)

        # The public figure is unchanged; the second organisation's own stands next to it.
        figures = IndicatorValue.objects.filter(neighbourhood=two.centrum, indicator=lonely())
        assert {(f.owner_id, f.value) for f in figures} == {
            (None, Decimal("50.000")),
            (two.second.pk, Decimal("77.000")),
        }
        # The first organisation's data page and plan still show the public 50,0.
        data_url = reverse("wijkdata:area_data", args=[two.area.code])
        first_data = page(client, two.coordinator, data_url)
        assert shows(first_data, "50") and not shows(first_data, "77")
        assert "eigen cijfers Welzijn Twee" not in first_data
        first_plan = page(client, two.coordinator, two.plan.get_absolute_url())
        assert shows(first_plan, "50") and not shows(first_plan, "77")
        assert revision(two.plan) == first_revision
        # The second organisation sees its own figure, said to be its own.
        second_data = page(
            client, two.second_coordinator, reverse("wijkdata:area_data", args=[two.second_area.code])
        )
        assert shows(second_data, "77") and "eigen cijfers Welzijn Twee" in second_data
        second_plan = page(client, two.second_coordinator, two.second_plan.get_absolute_url())
        assert shows(second_plan, "77") and "eigen cijfers Welzijn Twee" in second_plan
        assert revision(two.second_plan) > second_revision

    def test_it_leaves_the_first_organisations_adopted_plan_alone(self, client, two):
        services.plan_freeze_figures(plan=two.plan)
        Plan.objects.filter(pk=two.plan.pk).update(status=Plan.Status.ADOPTED)
        client.force_login(two.second_coordinator)
        upload_and_confirm(client, two.second_area, OWN_FIGURES)
        adopted = page(client, two.coordinator, two.plan.get_absolute_url())
        assert shows(adopted, "50") and not shows(adopted, "77")
        # Another organisation's figure is no "newer figure" for this plan.
        assert "Nieuwere cijfers beschikbaar" not in adopted

    def test_the_preview_says_whose_figures_it_writes(self, client, two):
        client.force_login(two.second_coordinator)
        form = client.get(reverse("wijkdata:import_upload", args=[two.second_area.code]))
        assert "De cijfers worden eigen cijfers van Welzijn Twee" in form.content.decode()
        upload(client, two.second_area, OWN_FIGURES)
        batch = ImportBatch.objects.get()
        preview = client.get(reverse("wijkdata:import_batch", args=[batch.code])).content.decode()
        assert "eigen cijfers Welzijn Twee: alleen deze organisatie ziet ze" in preview
        # The first organisation's plan shows that figure too, but is not affected.
        assert two.plan.title not in preview
        assert two.second_plan.title in preview

    def test_it_does_not_rename_public_regions(self, client, two):
        client.force_login(two.second_coordinator)
        batch = upload_and_confirm(
            client, two.second_area, OWN_FIGURES.replace(";Centrum;", ";Centrum-Oost;")
        )
        assert Neighbourhood.objects.get(pk=two.centrum.pk).name == "Centrum"
        assert any("blijven zoals ze zijn" in note for note in batch.report["notes"])

    def test_an_indicator_from_an_unknown_column_is_the_uploaders_own(self, client, two):
        client.force_login(two.second_coordinator)
        upload_and_confirm(client, two.second_area, OWN_SURVEY)
        made = Indicator.objects.get(name__icontains="speeltuin")
        assert made.owner == two.second
        first = selectors.area_figures(two.area, year=2024)
        assert made not in first.indicators
        assert made in selectors.area_figures(two.second_area, year=2024).indicators
        assert made not in selectors.visible_indicators(two.organisation)
        # Nor can the first organisation pick it for its plan.
        chooser = page(
            client,
            two.coordinator,
            reverse("plans:plan_figures", args=[two.plan.code]),
        )
        assert "speeltuin" not in chooser

    def test_the_first_organisation_can_upload_the_same_column_for_itself(self, client, two):
        client.force_login(two.second_coordinator)
        upload_and_confirm(client, two.second_area, OWN_SURVEY)
        client.force_login(two.coordinator)
        upload_and_confirm(client, two.area, OWN_SURVEY.replace("6,4", "8,1"))
        made = Indicator.objects.filter(name__icontains="speeltuin")
        assert {i.owner_id for i in made} == {two.organisation.pk, two.second.pk}
        values = {
            v.owner_id: v.value for v in IndicatorValue.objects.filter(indicator__in=made)
        }
        assert values == {two.organisation.pk: Decimal("8.100"), two.second.pk: Decimal("6.400")}


class TestWhoWritesPublicFigures:
    def test_a_coordinator_cannot_write_public_figures(self, client, two):
        client.force_login(two.second_coordinator)
        # Asking for public figures (a field coordinators do not get) changes nothing.
        batch = upload_and_confirm(client, two.second_area, OWN_FIGURES, owner="public")
        assert batch.owner == two.second
        public = IndicatorValue.objects.get(neighbourhood=two.centrum, indicator=lonely(), owner=None)
        assert public.value == Decimal("50.000")
        # Even a batch row without owner writes the area's organisation's figures.
        ImportBatch.objects.filter(pk=batch.pk).update(owner=None)
        batch.refresh_from_db()
        assert import_batch_owner_id(batch) == two.second.pk

    def test_staff_must_choose_whose_figures(self, client, two):
        client.force_login(two.admin)
        response = upload(client, two.second_area, OWN_FIGURES)
        assert response.status_code == 200
        assert "Van wie zijn deze cijfers?" in response.content.decode()
        assert not ImportBatch.objects.exists()

    def test_staff_can_write_public_figures_for_every_plan(self, client, two):
        revisions = revision(two.plan), revision(two.second_plan)
        client.force_login(two.admin)
        batch = upload_and_confirm(client, two.second_area, OWN_FIGURES, owner="public")
        assert batch.owner is None
        public = IndicatorValue.objects.get(neighbourhood=two.centrum, indicator=lonely(), owner=None)
        assert public.value == Decimal("77.000")
        assert revision(two.plan) > revisions[0] and revision(two.second_plan) > revisions[1]
        assert shows(page(client, two.coordinator, two.plan.get_absolute_url()), "77")

    def test_staff_can_write_an_organisations_own_figures(self, client, two):
        client.force_login(two.admin)
        batch = upload_and_confirm(client, two.second_area, OWN_FIGURES, owner="own")
        assert batch.owner == two.second
        assert IndicatorValue.objects.filter(owner=two.second, value=Decimal("77.0")).exists()
        assert IndicatorValue.objects.get(
            neighbourhood=two.centrum, indicator=lonely(), owner=None
        ).value == Decimal("50.000")

    def test_the_command_writes_public_figures(self, two):
        indicators_import(data=OWN_FIGURES.encode(), file_name="cbs.csv", year=2024, source="CBS")
        assert IndicatorValue.objects.get(
            neighbourhood=two.centrum, indicator=lonely(), owner=None
        ).value == Decimal("77.000")
        assert not IndicatorValue.objects.exclude(owner=None).exists()


class TestOwnAndPublicInThePlan:
    def test_own_figures_win_and_are_labelled_on_the_page_and_in_the_pdf(self, client, two):
        inhabitants = IndicatorValue.objects.get(
            neighbourhood=two.centrum, owner=None, value=Decimal("10000")
        ).indicator
        table = FigureTable.objects.get(section__plan=two.second_plan)
        services.figure_table_save(
            section=table.section,
            table=table,
            heading=table.heading,
            layout=table.layout,
            year=2024,
            indicator_ids=[lonely().pk, inhabitants.pk],
            neighbourhood_ids=[two.centrum.pk],
        )
        indicators_import(
            data=OWN_FIGURES.encode(), file_name="eigen.csv", year=2024, source="Eigen peiling",
            owner=two.second,
        )
        plan = Plan.objects.select_related("area__organisation").get(pk=two.second_plan.pk)
        html = page(client, two.second_coordinator, plan.get_absolute_url())
        assert shows(html, "77") and not shows(html, "50")
        assert "eigen cijfers Welzijn Twee (Eigen peiling)" in html
        assert "Testbron" in html  # the public inhabitants figure names its source
        # The table mixes both: the own figure is marked, the public one is not.
        assert re.search(r'>77%?<span class="figures__own" title="eigen cijfers Welzijn Twee">\*</span>', html)
        assert "* = eigen cijfers Welzijn Twee" in html
        assert html.count('class="figures__own"') == 1
        pdf = plan_html(plan)
        assert shows(pdf, "77") and "eigen cijfers Welzijn Twee (Eigen peiling)" in pdf
        # Adopted, the plan keeps the figure and the label.
        services.plan_freeze_figures(plan=plan)
        frozen = FrozenValue.objects.get(table__section__plan=plan, indicator=lonely())
        assert (frozen.value, frozen.own) == (Decimal("77.000"), True)
        Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.ADOPTED)
        indicators_import(
            data=OWN_FIGURES.replace("77,0", "12,0").encode(), file_name="eigen.csv", year=2024,
            source="Eigen peiling", owner=two.second,
        )
        adopted = page(client, two.second_coordinator, plan.get_absolute_url())
        assert shows(adopted, "77") and "eigen cijfers Welzijn Twee (Eigen peiling)" in adopted

    def test_an_own_import_touches_only_the_owners_plans(self, two):
        revisions = revision(two.plan), revision(two.second_plan)
        indicators_import(
            data=OWN_FIGURES.encode(), file_name="eigen.csv", year=2024, owner=two.organisation
        )
        assert revision(two.plan) > revisions[0]
        assert revision(two.second_plan) == revisions[1]

    def test_the_database_keeps_one_figure_per_owner(self, two):
        from django.db import IntegrityError, transaction

        public = IndicatorValue.objects.get(neighbourhood=two.centrum, indicator=lonely(), owner=None)
        fields = {"neighbourhood": two.centrum, "indicator": lonely(), "year": 2024, "source": "x"}
        IndicatorValue.objects.create(owner=two.second, value=1, **fields)
        for owner in (None, two.second):
            with pytest.raises(IntegrityError), transaction.atomic():
                IndicatorValue.objects.create(owner=owner, value=2, **fields)
        assert public.value == Decimal("50.000")
