"""Every change to a plan is kept with who and when; a section or the whole plan can be
put back to an earlier version, and that is a new version itself."""

import pytest
from django.urls import reverse

from matrix.models import MatrixItem
from plans import services
from plans.history import plan_history
from plans.models import Card, Plan, Section
from tests.base import People

pytestmark = pytest.mark.django_db

SECTIONS = [("text", "Het verhaal", "Versie een."), ("cards", "Krachten en kansen"), ("matrix", "Matrix")]


@pytest.fixture
def people():
    return People.create(sections=SECTIONS, themes=["Gezond leven"])


def history_url(plan) -> str:
    return reverse("plans:plan_history", args=[plan.code])


def section_url(section) -> str:
    return reverse("plans:section_edit", args=[section.plan.code, section.code])


def save_story(client, story, text):
    story.refresh_from_db()
    return client.post(section_url(story), {"action": "section-save", "revision": story.revision, "heading": story.heading, "intro": text})


def test_every_save_is_kept_with_who_and_what_changed(client, people):
    client.force_login(people.coordinator)
    story = people.plan.sections.get(kind="text")
    save_story(client, story, "Versie twee.")
    newest = plan_history(people.plan)[0]
    assert newest.revision.user == people.coordinator
    assert [c.heading for c in newest.changes] == ["Het verhaal"]
    response = client.get(history_url(people.plan))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<del>een.</del>" in body and "<ins>twee.</ins>" in body


def test_only_the_coordinator_sees_and_restores(client, people):
    assert client.get(history_url(people.plan)).status_code == 302
    for person, status in [(people.manager, 403), (people.facilitator, 403), (people.outsider, 404)]:
        client.force_login(person)
        assert client.get(history_url(people.plan)).status_code == status
        assert client.post(history_url(people.plan), {"revision_id": "1"}).status_code == status


def test_restoring_the_whole_plan_round_trips_and_is_a_revision_itself(client, people):
    client.force_login(people.coordinator)
    plan, story = people.plan, people.plan.sections.get(kind="text")
    cards = plan.sections.get(kind="cards")
    services.card_add(section=cards, kind=cards.card_kinds.first(), theme=plan.themes.get(), text="Blijft")
    kept = plan_history(plan)[0].revision
    page_then = client.get(plan.get_absolute_url()).content.decode()
    save_story(client, story, "Versie twee.")
    services.content_delete(item=Card.objects.get(text="Blijft"))
    services.card_add(section=cards, kind=cards.card_kinds.first(), theme=plan.themes.get(), text="Later")
    services.section_add(plan=plan, kind="text", heading="Nieuw hoofdstuk", intro="Weg ermee.")
    revision_before = Plan.objects.get(pk=plan.pk).revision

    response = client.post(history_url(plan), {"revision_id": kept.pk})
    assert response.status_code == 302
    restored = Plan.objects.get(pk=plan.pk)
    assert restored.revision == revision_before + 1  # past everything it ever was
    assert list(Card.objects.filter(plan=plan).values_list("text", flat=True)) == ["Blijft"]
    assert not plan.sections.filter(heading="Nieuw hoofdstuk").exists()
    assert plan.sections.get(kind="text").intro == "Versie een."
    page_now = client.get(plan.get_absolute_url()).content.decode()
    assert page_now.split('<article class="plan"')[1] == page_then.split('<article class="plan"')[1]
    assert "Hersteld naar de versie van" in plan_history(plan)[0].revision.comment


def test_restoring_one_section_leaves_the_others_as_they_are(client, people):
    client.force_login(people.coordinator)
    plan = people.plan
    matrix, story = plan.sections.get(kind="matrix"), plan.sections.get(kind="text")
    services.content_add(MatrixItem, section=matrix, title="We gaan koken", impact="high", effort="little")
    kept = plan_history(plan)[0].revision
    services.content_update(item=MatrixItem.objects.get(), title="We gaan samen eten")
    services.content_add(MatrixItem, section=matrix, title="We gaan wandelen", impact="low", effort="much")
    save_story(client, story, "Later verhaal.")
    client.post(history_url(plan), {"revision_id": kept.pk, "section_id": matrix.pk})
    assert list(MatrixItem.objects.filter(section=matrix).values_list("title", flat=True)) == ["We gaan koken"]
    assert plan.sections.get(kind="text").intro == "<p>Later verhaal.</p>"
    # An edit form opened before the restore no longer matches: it cannot overwrite it.
    with pytest.raises(services.StaleEdit):
        services.content_update(item=MatrixItem.objects.get(), title="Oud formulier", expected_revision=matrix.revision)


def test_an_adopted_plan_cannot_be_restored(client, people):
    client.force_login(people.coordinator)
    first = plan_history(people.plan)[-1].revision
    save_story(client, people.plan.sections.get(kind="text"), "Versie twee.")
    Plan.objects.filter(pk=people.plan.pk).update(status=Plan.Status.ADOPTED)
    response = client.post(history_url(people.plan), {"revision_id": first.pk}, follow=True)
    assert "vastgesteld" in response.content.decode()
    assert people.plan.sections.get(kind="text").intro == "<p>Versie twee.</p>"


def test_a_revision_of_another_plan_is_refused(client, people, demo):
    client.force_login(people.coordinator)
    other = plan_history(demo.binnenstad)[0].revision
    response = client.post(history_url(people.plan), {"revision_id": other.pk}, follow=True)
    assert "Deze versie hoort niet bij dit plan." in response.content.decode()


# --- history that stores only what a save changed --------------------------------------------

MORE_SECTIONS = [
    ("text", "Het verhaal", "Versie een."),
    ("cards", "Krachten en kansen"),
    ("matrix", "Matrix"),
    ("text", "Tenslotte", "Slot een."),
]


def _article(client, plan) -> str:
    return client.get(plan.get_absolute_url()).content.decode().split('<article class="plan"')[1]


def _latest(plan):
    return plan_history(plan)[0].revision


def test_it_restores_the_whole_plan_to_any_revision_after_edits_in_several_sections(client):
    people = People.create(sections=MORE_SECTIONS, themes=["Gezond leven"])
    client.force_login(people.coordinator)
    plan = people.plan
    story, cards = plan.sections.get(heading="Het verhaal"), plan.sections.get(kind="cards")
    matrix, last = plan.sections.get(kind="matrix"), plan.sections.get(heading="Tenslotte")
    theme, kind = plan.themes.get(), cards.card_kinds.first()
    services.card_add(section=cards, kind=kind, theme=theme, text="Eerste kaart")
    services.content_add(MatrixItem, section=matrix, title="We gaan koken", impact="high", effort="little")
    kept, page_kept = _latest(plan), _article(client, plan)
    # Edits in every section, one at a time: each revision stores only its own section.
    save_story(client, story, "Versie twee.")
    services.card_add(section=cards, kind=kind, theme=theme, text="Tweede kaart")
    services.content_update(item=MatrixItem.objects.get(), title="We gaan samen eten")
    services.section_update(section=Section.objects.get(pk=last.pk), intro="Slot twee.")
    middle, page_middle = _latest(plan), _article(client, plan)
    services.section_delete(section=Section.objects.get(pk=matrix.pk))
    services.section_add(plan=plan, kind="text", heading="Nieuw hoofdstuk", intro="Later toegevoegd.")
    services.plan_theme_update(theme=theme, name="Gezond leven en bewegen")
    services.content_delete(item=Card.objects.get(text="Eerste kaart"))

    client.post(history_url(plan), {"revision_id": kept.pk})
    assert _article(client, plan) == page_kept
    assert list(Card.objects.filter(plan=plan).values_list("text", flat=True)) == ["Eerste kaart"]
    assert MatrixItem.objects.get(section__plan=plan).title == "We gaan koken"
    assert plan.themes.get().name == "Gezond leven"
    assert not plan.sections.filter(heading="Nieuw hoofdstuk").exists()
    # Forward again to a revision between the two, which itself pointed at older parts.
    client.post(history_url(plan), {"revision_id": middle.pk})
    assert _article(client, plan) == page_middle
    assert sorted(Card.objects.filter(plan=plan).values_list("text", flat=True)) == ["Eerste kaart", "Tweede kaart"]
    assert plan.sections.get(heading="Tenslotte").intro == "Slot twee."


def test_it_restores_a_section_that_was_last_stored_many_revisions_earlier(client, people):
    client.force_login(people.coordinator)
    plan = people.plan
    cards, story = plan.sections.get(kind="cards"), plan.sections.get(kind="text")
    services.card_add(section=cards, kind=cards.card_kinds.first(), theme=plan.themes.get(), text="Blijft")
    for n in range(3):  # later revisions change only the story: the cards are not stored again
        save_story(client, story, f"Versie {n + 2}.")
    kept = _latest(plan)
    services.content_delete(item=Card.objects.get(text="Blijft"))
    services.card_add(section=cards, kind=cards.card_kinds.first(), theme=plan.themes.get(), text="Nieuw")
    save_story(client, story, "Nog later.")
    client.post(history_url(plan), {"revision_id": kept.pk, "section_id": cards.pk})
    assert list(Card.objects.filter(section=cards).values_list("text", flat=True)) == ["Blijft"]
    assert plan.sections.get(kind="text").intro == "<p>Nog later.</p>"
    # The restore is a revision whose change shows on the history page.
    newest = plan_history(plan)[0]
    assert "Onderdeel hersteld" in newest.revision.comment
    assert [c.heading for c in newest.changes] == ["Krachten en kansen"]
    assert "<ins>Blijft</ins>" in str(newest.changes[0].new) or "Blijft" in str(newest.changes[0].new)


def test_a_restored_deleted_section_comes_back_with_its_content(client, people):
    client.force_login(people.coordinator)
    plan = people.plan
    matrix = plan.sections.get(kind="matrix")
    services.content_add(MatrixItem, section=matrix, title="We gaan koken", impact="high", effort="little")
    kept = _latest(plan)
    services.section_delete(section=Section.objects.get(pk=matrix.pk))
    history = plan_history(plan)
    assert [(c.heading, c.kind) for c in history[0].changes] == [("Matrix", "removed")]
    client.post(history_url(plan), {"revision_id": kept.pk, "section_id": matrix.pk})
    assert list(MatrixItem.objects.filter(section__plan=plan).values_list("title", flat=True)) == ["We gaan koken"]


def test_the_history_page_shows_each_revision_with_only_the_section_it_changed(client, people):
    client.force_login(people.coordinator)
    plan = people.plan
    cards, story = plan.sections.get(kind="cards"), plan.sections.get(kind="text")
    services.card_add(section=cards, kind=cards.card_kinds.first(), theme=plan.themes.get(), text="Een kaart")
    save_story(client, story, "Versie twee.")
    services.content_update(item=Card.objects.get(), text="Een betere kaart")
    entries = plan_history(plan)
    assert [[c.heading for c in e.changes] for e in entries[:3]] == [
        ["Krachten en kansen"], ["Het verhaal"], ["Krachten en kansen"],
    ]
    assert "<ins>betere</ins>" in str(entries[0].changes[0].new)
    body = client.get(history_url(plan)).content.decode()
    assert "<del>een.</del>" in body and "<ins>twee.</ins>" in body


def test_a_save_stores_the_changed_section_not_the_whole_plan(people):
    """What makes a save cost what it changed: the revision holds the plan row and the
    edited section's rows, however many other sections there are."""
    from reversion.models import Version

    plan = people.plan
    cards = plan.sections.get(kind="cards")
    for n in range(5):
        services.section_add(plan=plan, kind="text", heading=f"Extra {n}", intro="Tekst.")
    services.card_add(section=cards, kind=cards.card_kinds.first(), theme=plan.themes.get(), text="Een kaart")
    stored = Version.objects.filter(revision=_latest(plan))
    assert sorted({v.content_type.model for v in stored}) == ["card", "cardkind", "plan", "section"]
    assert [v.object_id for v in stored if v.content_type.model == "section"] == [str(cards.pk)]


def test_two_writes_in_one_request_are_one_revision_that_restores_both(client, people):
    from plans import history

    client.force_login(people.coordinator)
    plan = people.plan
    cards, story = plan.sections.get(kind="cards"), plan.sections.get(kind="text")
    with history.revision():
        services.card_add(section=cards, kind=cards.card_kinds.first(), theme=plan.themes.get(), text="Samen")
        services.section_update(section=Section.objects.get(pk=story.pk), intro="Samen geschreven.")
    both = _latest(plan)
    assert sorted(c.heading for c in plan_history(plan)[0].changes) == ["Het verhaal", "Krachten en kansen"]
    services.content_delete(item=Card.objects.get(text="Samen"))
    save_story(client, story, "Later.")
    client.post(history_url(plan), {"revision_id": both.pk})
    assert list(Card.objects.filter(plan=plan).values_list("text", flat=True)) == ["Samen"]
    assert plan.sections.get(kind="text").intro == "Samen geschreven."


def test_history_written_before_per_part_states_still_shows_and_restores(client, people):
    """Revisions from before PlanHistoryState stored the whole plan: the data migration
    gives each a state, and they show and restore as before."""
    import importlib

    from django.apps import apps

    from plans.models import PlanHistoryState

    client.force_login(people.coordinator)
    plan = people.plan
    story, cards = plan.sections.get(kind="text"), plan.sections.get(kind="cards")
    services.card_add(section=cards, kind=cards.card_kinds.first(), theme=plan.themes.get(), text="Oud")
    # Make these revisions look old: whole-plan snapshots without a state.
    from plans.history import plan_rows

    for revision in [e.revision for e in plan_history(plan)]:
        for row in plan_rows(plan):
            reversion_add(revision, row)
    PlanHistoryState.objects.filter(plan=plan).delete()
    old = _latest(plan)
    before = [[c.heading for c in e.changes] for e in plan_history(plan)]  # read without states
    importlib.import_module("plans.migrations.0016_history_states_backfill").backfill(apps, None)
    state = PlanHistoryState.objects.get(plan=plan, revision=old)
    assert set(state.parts) == {"plan", *(str(pk) for pk in plan.sections.values_list("pk", flat=True))}
    assert [[c.heading for c in e.changes] for e in plan_history(plan)] == before
    save_story(client, story, "Nieuw verhaal.")  # the first new save points at the old revision
    services.content_delete(item=Card.objects.get(text="Oud"))
    assert [c.heading for c in plan_history(plan)[1].changes] == ["Het verhaal"]
    client.post(history_url(plan), {"revision_id": old.pk})
    assert list(Card.objects.filter(plan=plan).values_list("text", flat=True)) == ["Oud"]
    assert plan.sections.get(kind="text").intro == "Versie een."


def reversion_add(revision, obj) -> None:
    """Store `obj` as it is now in an existing revision (as a whole-plan snapshot did)."""
    from django.contrib.contenttypes.models import ContentType
    from django.core import serializers
    from reversion.models import Version

    content_type = ContentType.objects.get_for_model(obj)
    if Version.objects.filter(revision=revision, content_type=content_type, object_id=str(obj.pk)).exists():
        return
    Version.objects.create(
        revision=revision, content_type=content_type, object_id=str(obj.pk), db="default", format="json",
        serialized_data=serializers.serialize("json", [obj]), object_repr=str(obj),
    )


def test_the_history_compares_the_words_a_reader_sees_not_the_html(client, people):
    client.force_login(people.coordinator)
    story = people.plan.sections.get(kind="text")
    save_story(client, story, "<p>De wijk <strong>leeft</strong>.</p><ul><li>een</li></ul>")
    save_story(client, story, "<p>De wijk <em>leeft</em>.</p><ul><li>een</li><li>twee</li></ul>")
    newest = plan_history(people.plan)[0]
    (change,) = newest.changes
    # Bold became italic: the same words, so no line changed there; the new item is added.
    assert str(change.old) == "" and str(change.new) == "<ins>– twee</ins>"
    body = client.get(history_url(people.plan)).content.decode()
    assert "&lt;strong&gt;" not in body and "&lt;p&gt;" not in body and "<ins>– twee</ins>" in body


def test_an_interventions_themes_saved_in_the_editor_are_in_that_revision(client):
    """The themes (many-to-many) are set before the history stores the section, so putting
    the plan back to that revision brings them back."""
    from plans.models import Intervention

    people = People.create(sections=[("interventions", "Interventies")], themes=["Gezond leven", "Talent"])
    client.force_login(people.coordinator)
    plan, section = people.plan, people.plan.sections.get()
    healthy, talent = plan.themes.get(name="Gezond leven"), plan.themes.get(name="Talent")
    response = client.post(section_url(section), {
        "action": "item-add", "revision": section.revision, "new-title": "Samen koken", "new-themes": [healthy.pk, talent.pk],
    })
    assert response.status_code == 302
    kept = _latest(plan)
    item = Intervention.objects.get()
    services.content_update(item=item, themes=[healthy])
    client.post(history_url(plan), {"revision_id": kept.pk})
    assert sorted(Intervention.objects.get().themes.values_list("name", flat=True)) == ["Gezond leven", "Talent"]


def _to_milliseconds(value):
    # Django's JSON serialiser (the versions reversion writes itself) keeps milliseconds.
    return value.replace(microsecond=value.microsecond // 1000 * 1000) if hasattr(value, "microsecond") else value


def test_every_row_the_history_stores_reads_back_as_it_is(demo):
    """A save's versions hold every field of every kind of row a plan holds, under the
    names Django's serialiser gives them, and read back as the row is: on PostgreSQL the
    database writes them, elsewhere django-reversion does; either way a restore puts
    back what was there."""
    import json

    from django.core import serializers
    from reversion.models import Version

    from plans import history

    seen = set()
    for plan in Plan.objects.all():  # together the demo plans hold every kind of row
        with history.revision():
            services.plan_touch(plan=plan)  # says nothing of what changed: the whole plan
        versions = Version.objects.filter(revision=_latest(plan)).select_related("content_type")
        for version in versions:
            model = version.content_type.model_class()
            row = model._base_manager.get(pk=version.object_id)
            stored = version._object_version
            fields = json.loads(version.serialized_data)[0]["fields"]
            assert fields.keys() == serializers.serialize("python", [row])[0]["fields"].keys(), model
            for f in model._meta.concrete_fields:
                expected = _to_milliseconds(getattr(row, f.attname))
                assert _to_milliseconds(getattr(stored.object, f.attname)) == expected, (model, f.name)
            for f in model._meta.many_to_many:
                assert sorted(stored.m2m_data[f.name]) == sorted(getattr(row, f.name).values_list("pk", flat=True))
            seen.add(model)
        assert versions.count() == len(history.plan_rows(plan))
    assert seen == {Plan, *(model for model, _lookup in history.CONTENT)}


def test_a_changed_card_is_the_only_line_that_changes_among_cards_of_the_same_order(people):
    """Cards in different cells of the grid can have the same order; a save of one of
    them shows that card's line, not the others moved about, however the database
    happens to return the section's rows (a row updated in place keeps its place in the
    table, one whose indexed columns change moves to the end)."""
    plan = people.plan
    cards = plan.sections.get(kind="cards")
    kind, other_kind, theme = cards.card_kinds.first(), cards.card_kinds.last(), plan.themes.get()
    assert kind != other_kind
    for text in ("Een buurthuis", "Een huisarts", "Een school"):
        services.card_add(section=cards, kind=kind, theme=theme, text=text)
    Card.objects.filter(section=cards).update(order=0)
    services.content_update(item=Card.objects.get(text__contains="huisarts"), text="Geen huisarts")
    first = Card.objects.filter(text__contains="buurthuis")
    first.update(kind=other_kind)  # to the end of the table and back, without a revision
    first.update(kind=kind)
    services.content_update(item=Card.objects.get(text__contains="school"), text="Een nieuwe school")
    (change,) = plan_history(plan)[0].changes
    assert str(change.old) == "Een school" and str(change.new) == "Een <ins>nieuwe</ins> school"


def _state(plan, revision):
    from plans.models import PlanHistoryState

    return PlanHistoryState.objects.get(plan=plan, revision=revision)


def test_a_save_that_writes_its_history_with_its_bump_stores_what_a_record_would(demo):
    """A save in one section writes its history in the same statement as its revision bump
    (on PostgreSQL: plans.history.store_statement). For a section of every kind in the
    demo plans: its revision holds the plan row and that section's rows, each reading
    back as it is now (the bumped plan and section with their new revision), and its
    state points every other part where the plan's last state did."""
    import json

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from reversion.models import Version

    seen = set()
    for plan in Plan.objects.exclude(status=Plan.Status.ADOPTED):
        for section in Section.objects.filter(plan=plan).order_by("order", "pk"):
            previous = _state(plan, _latest(plan))
            with CaptureQueriesContext(connection) as ctx:
                services.section_update(section=section, expected_revision=section.revision, heading=section.heading + ".")
            if connection.vendor == "postgresql":  # stored with the bump: no statement of its own
                assert not [q for q in ctx.captured_queries if "history revision" in q["sql"]], section.kind
            latest = _latest(plan)
            versions = Version.objects.filter(revision=latest).select_related("content_type")
            assert latest.comment == f"Gewijzigd: {section.heading}"
            kept = {
                (v.content_type.model_class(), int(v.object_id)) for v in versions
            }
            assert len(kept) == versions.count()  # no row twice
            assert (Plan, plan.pk) in kept and (Section, section.pk) in kept
            for model, pk in kept:
                if model is Section:
                    assert pk == section.pk  # no other section
                seen.add(model)
            for version in versions:
                model = version.content_type.model_class()
                row = model._base_manager.get(pk=version.object_id)
                stored = version._object_version.object
                for f in model._meta.concrete_fields:
                    expected_value = _to_milliseconds(getattr(row, f.attname))
                    assert _to_milliseconds(getattr(stored, f.attname)) == expected_value, (model, f.name)
            expected = {part: previous.stored_in(part) for part in previous.parts}
            expected[str(section.pk)] = None
            assert _state(plan, latest).parts == json.loads(json.dumps(expected))
    from plans.models import (
        Activity,
        FigureTableIndicator,
        Goal,
        GoalIndicator,
        InterventionPartner,
        SurveyAnswer,
    )

    # Rows one and two steps below a section among them (a table's indicators, an answer).
    assert {Plan, Section, Card, Activity, FigureTableIndicator, Goal, GoalIndicator, InterventionPartner, SurveyAnswer} <= seen


def test_a_save_in_a_matrix_or_focus_section_is_stored_with_its_bump_and_keeps_its_items():
    """The kinds the demo's concept plans lack: a matrix's items and a focus section's
    points are in the revision of a save there, written with the bump on PostgreSQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from reversion.models import Version

    from plans.models import FocusPoint

    people = People.create(sections=[("matrix", "Matrix"), ("focus", "Focuspunten")], themes=["Gezond leven"])
    matrix, focus = people.plan.sections.get(kind="matrix"), people.plan.sections.get(kind="focus")
    item = services.content_add(MatrixItem, section=matrix, title="Buurtkamer", impact="high", effort="little")
    point = services.content_add(FocusPoint, section=focus, title="Eenzaamheid")
    for section, row in ((matrix, item), (focus, point)):
        section = Section.objects.get(pk=section.pk)
        with CaptureQueriesContext(connection) as ctx:
            services.section_update(section=section, expected_revision=section.revision, heading=section.heading + "!")
        if connection.vendor == "postgresql":
            assert not [q for q in ctx.captured_queries if "history revision" in q["sql"]], section.kind
        stored = {(v.content_type.model, v.object_id) for v in Version.objects.filter(revision=_latest(people.plan))}
        assert (row._meta.model_name, str(row.pk)) in stored and ("section", str(section.pk)) in stored


def test_a_section_holding_rows_its_kind_keeps_none_of_has_them_all_in_its_history(people):
    """A save's history is written with its bump from the tables its section's kind keeps
    rows in (plans.history.KIND_CONTENT). A section that holds rows elsewhere too (here a
    milestone in a cards section, as a layout of another organisation might) is stored
    the general way: the milestone is in the revision, and restoring the section to it
    brings the milestone back as it was."""
    from reversion.models import Version

    from plans.models import Milestone

    cards = people.plan.sections.get(kind="cards")
    milestone = Milestone.objects.create(section=cards, period_label="Voorjaar", text="Start.")
    services.section_update(section=cards, expected_revision=cards.revision, heading="Krachten")
    kept = _latest(people.plan)
    stored = {(v.content_type.model, v.object_id) for v in Version.objects.filter(revision=kept)}
    assert ("milestone", str(milestone.pk)) in stored and ("section", str(cards.pk)) in stored
    assert _state(people.plan, kept).parts[str(cards.pk)] is None
    Milestone.objects.filter(pk=milestone.pk).update(text="Later veranderd.")
    services.section_update(section=Section.objects.get(pk=cards.pk), heading="Nog later")
    services.section_restore(plan=Plan.objects.get(pk=people.plan.pk), revision_id=kept.pk, section_id=cards.pk)
    assert Milestone.objects.get(pk=milestone.pk).text == "Start."
    assert Section.objects.get(pk=cards.pk).heading == "Krachten"


def test_a_second_save_in_the_same_revision_stores_both_sections_once(people):
    """The first save of a revision writes the history with its bump; a second save of
    the same plan in that revision (one request, two services) is stored with it: one
    revision holding both sections, each row once, and restoring it puts both back."""
    from reversion.models import Version

    from plans import history

    plan = people.plan
    cards, story = plan.sections.get(kind="cards"), plan.sections.get(kind="text")
    card = services.card_add(section=cards, kind=cards.card_kinds.first(), theme=plan.themes.get(), text="Een.")
    before = _latest(plan)
    with history.revision():
        services.content_update(item=Card.objects.get(pk=card.pk), expected_revision=Section.objects.get(pk=cards.pk).revision, text="Samen.")
        story = Section.objects.get(pk=story.pk)
        services.section_update(section=story, expected_revision=story.revision, intro="Samen geschreven.")
    both = _latest(plan)
    assert both.pk != before.pk
    assert sorted(c.heading for c in plan_history(plan)[0].changes) == ["Het verhaal", "Krachten en kansen"]
    parts = _state(plan, both).parts
    assert parts[str(cards.pk)] is None and parts[str(story.pk)] is None
    versions = Version.objects.filter(revision=both)
    assert versions.count() == len({(v.content_type_id, v.object_id) for v in versions})
    assert sorted(v.object_id for v in versions if v.content_type.model == "section") == sorted([str(cards.pk), str(story.pk)])
    assert both.comment == "Gewijzigd: Het verhaal"  # the last save's, as for any revision
    # Changed since; restoring the revision puts both back.
    services.content_update(item=Card.objects.get(pk=card.pk), text="Later.")
    services.section_update(section=Section.objects.get(pk=story.pk), intro="Later geschreven.")
    services.plan_restore(plan=Plan.objects.get(pk=plan.pk), revision_id=both.pk)
    assert Card.objects.get(pk=card.pk).text == "Samen."
    assert Section.objects.get(pk=story.pk).intro == "Samen geschreven."


def test_saves_in_two_plans_in_one_revision_are_both_kept(people, demo):
    from plans import history

    first, second = people.plan, demo.eemland
    story = first.sections.get(kind="text")
    other = second.sections.filter(kind="text").first()
    with history.revision():
        services.section_update(section=story, expected_revision=story.revision, intro="In het eerste plan.")
        services.section_update(section=other, expected_revision=other.revision, intro="In het tweede plan.")
    assert _latest(first).pk == _latest(second).pk
    assert [c.heading for c in plan_history(first)[0].changes] == [story.heading]
    assert [c.heading for c in plan_history(second)[0].changes] == [other.heading]


def test_a_save_rolled_back_with_its_savepoint_leaves_the_rest_of_its_revision_kept(people, demo):
    """A save that wrote its history itself, then rolled back with a savepoint around it:
    the revision it wrote is gone with it, and what else was saved in the same revision
    is still kept (stored as usual at its end)."""
    from django.db import transaction

    from plans import history

    story = people.plan.sections.get(kind="text")
    other = demo.eemland.sections.filter(kind="text").first()
    with history.revision():
        try:
            with transaction.atomic():
                services.section_update(section=story, expected_revision=story.revision, intro="Teruggedraaid.")
                raise RuntimeError("changed my mind")
        except RuntimeError:
            pass
        services.section_update(section=other, expected_revision=other.revision, intro="Dit blijft.")
    assert Section.objects.get(pk=story.pk).intro != "Teruggedraaid."
    kept = _latest(demo.eemland)
    assert [c.heading for c in plan_history(demo.eemland)[0].changes] == [other.heading]
    assert _state(demo.eemland, kept).parts[str(other.pk)] is None
