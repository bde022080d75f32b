"""Editing a plan in the browser: sections, their items, conflicts and the workflow."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from matrix.models import MatrixItem
from plans.models import Card, Plan, Section
from tests.base import People

pytestmark = pytest.mark.django_db

SECTIONS = [("text", "Het verhaal", "Een wijk in beweging."), ("cards", "Krachten en kansen"), ("matrix", "Matrix")]


@pytest.fixture
def people():
    return People.create(sections=SECTIONS, themes=["Gezond leven"])


def edit_url(plan) -> str:
    return reverse("plans:plan_edit", args=[plan.code])


def section_url(section) -> str:
    return reverse("plans:section_edit", args=[section.plan.code, section.code])


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


class TestPlanEdit:
    def test_it_lists_the_sections_for_the_coordinator(self, client, people):
        client.force_login(people.coordinator)
        response = client.get(edit_url(people.plan))
        assert response.status_code == 200
        assert "plans/plan_edit.html" in [t.name for t in response.templates]
        body = response.content.decode()
        assert "Het verhaal" in body and "Krachten en kansen" in body and "Ter review aanbieden" in body

    def test_a_facilitator_sees_only_the_matrix(self, client, people):
        client.force_login(people.facilitator)
        body = client.get(edit_url(people.plan)).content.decode()
        assert "Matrix" in body and "Het verhaal" not in body
        assert client.post(edit_url(people.plan), {"action": "section-add", "kind": "text", "heading": "X"}).status_code == 403

    def test_others_are_refused(self, client, people):
        assert client.get(edit_url(people.plan)).status_code == 302
        for person, status in [(people.manager, 403), (people.outsider, 404)]:
            client.force_login(person)
            assert client.get(edit_url(people.plan)).status_code == status
            assert client.get(section_url(people.plan.sections.first())).status_code == status

    def test_it_rejects_other_methods(self, client, people):
        client.force_login(people.coordinator)
        assert client.put(edit_url(people.plan)).status_code == 405

    def test_it_adds_moves_and_removes_sections(self, client, people):
        client.force_login(people.coordinator)
        before = fresh(people.plan).revision
        client.post(edit_url(people.plan), {"action": "section-add", "kind": "goals", "heading": "Doelen"})
        goals = people.plan.sections.get(kind="goals")
        client.post(edit_url(people.plan), {"action": "section-up", "section": goals.pk})
        kinds = list(people.plan.sections.filter(parent=None).values_list("kind", flat=True))
        assert kinds == ["text", "cards", "goals", "matrix"]
        client.post(edit_url(people.plan), {"action": "section-delete", "section": goals.pk, "revision": fresh(goals).revision})
        assert not people.plan.sections.filter(kind="goals").exists()
        assert fresh(people.plan).revision == before + 3

    def test_a_section_without_a_heading_is_refused_with_a_dutch_message(self, client, people):
        client.force_login(people.coordinator)
        response = client.post(edit_url(people.plan), {"action": "section-add", "kind": "text", "heading": " "}, follow=True)
        assert "Geef het onderdeel een kop." in response.content.decode()
        assert people.plan.sections.count() == 3


class TestSectionEdit:
    def test_it_saves_a_section_and_the_plan_page_shows_it(self, client, people):
        client.force_login(people.coordinator)
        story = people.plan.sections.get(kind="text")
        response = client.post(section_url(story), {
            "action": "section-save", "revision": story.revision, "heading": "Ons verhaal",
            "intro": "<h3>Nieuw</h3><p>De wijk <strong>leeft</strong>.</p>", "numbered": "1",
        })
        assert response.status_code == 302
        page = client.get(people.plan.get_absolute_url()).content.decode()
        assert "Ons verhaal" in page and "<strong>leeft</strong>" in page and "<h3>Nieuw</h3>" in page

    def test_a_stale_save_shows_both_versions_and_keeps_what_was_typed(self, client, people):
        story = people.plan.sections.get(kind="text")
        seen = story.revision
        client.force_login(people.coordinator)
        client.post(section_url(story), {"action": "section-save", "revision": seen, "heading": "Het verhaal", "intro": "De versie van Saskia."})
        response = client.post(section_url(story), {"action": "section-save", "revision": seen, "heading": "Het verhaal", "intro": "De versie van Ellen."})
        assert response.status_code == 409
        body = response.content.decode()
        assert "Iemand anders heeft dit onderdeel opgeslagen" in body
        assert "<del>Saskia.</del>" in body and "<ins>Ellen.</ins>" in body
        assert ">\nDe versie van Ellen.</textarea>" in body  # nothing typed is lost
        assert fresh(story).intro == "<p>De versie van Saskia.</p>"
        # Saving again from the conflict page (which carries the new revision) works.
        current = fresh(story).revision
        client.post(section_url(story), {"action": "section-save", "revision": current, "heading": "Het verhaal", "intro": "Samen."})
        assert fresh(story).intro == "<p>Samen.</p>"

    def test_two_people_saving_one_card_see_both_texts_and_keep_theirs(self, client, people):
        cards = people.plan.sections.get(kind="cards")
        kind, theme = cards.card_kinds.first(), people.plan.themes.first()
        from plans import services

        card = services.card_add(section=cards, kind=kind, theme=theme, text="Veel vrijwilligers.")
        seen = fresh(cards).revision
        client.force_login(people.coordinator)

        def save(text, revision):
            return client.post(section_url(cards), {
                "action": "item-save", "item": card.pk, "revision": revision,
                f"i{card.pk}-kind": kind.pk, f"i{card.pk}-theme": theme.pk, f"i{card.pk}-topic": "", f"i{card.pk}-text": text,
            })

        save("Veel actieve vrijwilligers.", seen)
        response = save("Veel vrijwilligers in de buurthuizen.", seen)
        assert response.status_code == 409
        body = response.content.decode()
        assert "Iemand anders heeft dit onderdeel opgeslagen" in body
        assert "Veel <del>actieve vrijwilligers.</del>" in body  # theirs
        assert "Veel <ins>vrijwilligers in de buurthuizen.</ins>" in body  # beside mine
        assert "\nVeel vrijwilligers in de buurthuizen.</textarea>" in body  # the card's form keeps what was typed
        assert 'value="Krachten en kansen"' in body  # the section's own form is untouched
        assert fresh(card).text == "<p>Veel actieve vrijwilligers.</p>"
        assert save("Veel actieve vrijwilligers in de buurthuizen.", fresh(cards).revision).status_code == 302
        assert fresh(card).text == "<p>Veel actieve vrijwilligers in de buurthuizen.</p>"

    def test_editing_different_sections_never_conflicts(self, client, people):
        story, matrix = people.plan.sections.get(kind="text"), people.plan.sections.get(kind="matrix")
        story_seen, matrix_seen = story.revision, matrix.revision
        client.force_login(people.coordinator)
        client.post(section_url(story), {"action": "section-save", "revision": story_seen, "heading": "A", "intro": "Een."})
        response = client.post(section_url(matrix), {"action": "section-save", "revision": matrix_seen, "heading": "B", "intro": "Twee."})
        assert response.status_code == 302
        assert (fresh(story).heading, fresh(matrix).heading) == ("A", "B")

    def test_a_facilitator_fills_the_matrix_but_nothing_else(self, client, people):
        matrix = people.plan.sections.get(kind="matrix")
        client.force_login(people.facilitator)
        response = client.post(section_url(matrix), {
            "action": "item-add", "revision": matrix.revision,
            "new-title": "We gaan koken", "new-text": "", "new-impact": "high", "new-effort": "little",
        })
        assert response.status_code == 302
        item = MatrixItem.objects.get(section=matrix)
        client.post(section_url(matrix), {
            "action": "item-save", "item": item.pk, "revision": fresh(matrix).revision,
            f"i{item.pk}-title": "We gaan samen koken", f"i{item.pk}-text": "", f"i{item.pk}-impact": "low", f"i{item.pk}-effort": "much",
        })
        assert (fresh(item).title, fresh(item).impact) == ("We gaan samen koken", "low")
        assert client.get(section_url(people.plan.sections.get(kind="text"))).status_code == 403

    def test_it_adds_a_card_under_the_plans_theme_and_removes_it(self, client, people):
        cards = people.plan.sections.get(kind="cards")
        client.force_login(people.coordinator)
        client.post(section_url(cards), {
            "action": "item-add", "revision": cards.revision,
            "new-kind": cards.card_kinds.get(name="Kracht").pk, "new-theme": people.plan.themes.get().pk,
            "new-text": "Veel vrijwilligers.",
        })
        card = Card.objects.get(section=cards)
        assert "Veel vrijwilligers." in client.get(people.plan.get_absolute_url()).content.decode()
        client.post(section_url(cards), {"action": "item-delete", "item": card.pk, "revision": fresh(cards).revision})
        assert not Card.objects.exists()

    def test_it_refuses_a_theme_of_another_plan(self, client, people):
        from plans.services import plan_create

        other = plan_create(area=people.area, period_start=2026)
        cards = people.plan.sections.get(kind="cards")
        client.force_login(people.coordinator)
        response = client.post(section_url(cards), {
            "action": "item-add", "revision": cards.revision,
            "new-kind": cards.card_kinds.first().pk, "new-theme": other.themes.get().pk, "new-text": "X",
        })
        assert response.status_code == 200
        assert not Card.objects.exists()

    def test_a_saved_card_cannot_take_a_theme_or_kind_of_another_plan(self, client, people, demo):
        from plans import services

        cards = people.plan.sections.get(kind="cards")
        kind, theme = cards.card_kinds.first(), people.plan.themes.first()
        card = services.card_add(section=cards, kind=kind, theme=theme, text="Een.")
        other_cards = demo.binnenstad.sections.filter(kind="cards").first()
        client.force_login(people.coordinator)
        for field, value in (("theme", demo.binnenstad.themes.first().pk), ("kind", other_cards.card_kinds.first().pk)):
            data = {f"i{card.pk}-kind": kind.pk, f"i{card.pk}-theme": theme.pk, f"i{card.pk}-topic": "", f"i{card.pk}-text": "Twee."}
            data[f"i{card.pk}-{field}"] = value
            response = client.post(section_url(cards), {
                "action": "item-save", "item": card.pk, "revision": fresh(cards).revision, **data,
            }, HTTP_HX_REQUEST="true")
            assert "Selecteer een geldige keuze" in response.content.decode(), field
            assert fresh(card).text == "Een." and fresh(card).theme == theme and fresh(card).kind == kind

    def test_the_htmx_branch_returns_the_section_form_with_heading_notices_and_revision(self, client, people):
        client.force_login(people.coordinator)
        story = people.plan.sections.get(kind="text")
        response = client.post(
            section_url(story), {"action": "section-save", "revision": story.revision, "heading": "Kop", "intro": ""},
            HTTP_HX_REQUEST="true",
        )
        body = response.content.decode()
        assert response.status_code == 200 and "<html" not in body and 'id="editor"' not in body
        assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#section-form", "outerHTML")
        assert body.lstrip().startswith('<form method="post" class="settings-card" id="section-form"')
        assert 'id="editor-heading" hx-swap-oob="true">Kop <span' in body  # the heading above the editor too
        assert 'id="editor-notices" hx-swap-oob="true"' in body
        assert "Het onderdeel is opgeslagen." in body  # the swapped notices say so themselves
        # One out-of-band revision for every form of the editor, the section's new one.
        new = fresh(story).revision
        assert new == story.revision + 1
        assert body.count(f'<input type="hidden" name="revision" value="{new}"') == 2
        assert f'value="{new}" hx-swap-oob="outerHTML:#editor input[name=revision]"' in body
        assert fresh(story).heading == "Kop"
        assert "Het onderdeel is opgeslagen." not in client.get(section_url(story)).content.decode()  # said once

    def test_an_htmx_item_save_returns_only_that_item_with_notices_and_the_new_revision(self, client, people):
        from plans import services

        cards = people.plan.sections.get(kind="cards")
        kind, theme = cards.card_kinds.first(), people.plan.themes.first()
        first = services.card_add(section=cards, kind=kind, theme=theme, text="Een.")
        second = services.card_add(section=cards, kind=kind, theme=theme, text="Twee.")
        seen = fresh(cards).revision
        client.force_login(people.coordinator)

        def save(card, text, revision):
            return client.post(section_url(cards), {
                "action": "item-save", "item": card.pk, "revision": revision,
                f"i{card.pk}-kind": kind.pk, f"i{card.pk}-theme": theme.pk, f"i{card.pk}-topic": "", f"i{card.pk}-text": text,
            }, HTTP_HX_REQUEST="true")

        response = save(second, "Twee <script>alert(1)</script>kaarten.", seen)
        body = response.content.decode()
        assert response.status_code == 200 and "<html" not in body and 'id="editor"' not in body
        assert (response["HX-Retarget"], response["HX-Reswap"]) == (f"#item-{second.pk}", "outerHTML")
        assert body.lstrip().startswith(f'<li class="item-editor" id="item-{second.pk}" data-id="{second.pk}">')
        assert f'id="item-{first.pk}"' not in body  # the other card is not redrawn
        stored = fresh(second).text
        assert f"{escape(stored)}</textarea>" in body and "<script>" not in body  # as stored, sanitised
        assert 'value="item-down" aria-label="Omlaag" disabled' in body  # still the last card
        assert 'id="editor-notices" hx-swap-oob="true"' in body and "Opgeslagen." in body
        new = fresh(cards).revision
        assert new == seen + 1 and "kaarten." in stored
        assert body.count('hx-swap-oob="outerHTML:#editor input[name=revision]"') == 1
        assert f'<input type="hidden" name="revision" value="{new}" hx-swap-oob=' in body
        # The other card's form, given that revision out of band, saves without a conflict;
        # one still at the old revision meets the conflict, shown in the whole editor.
        assert save(first, "Een kaart.", new).status_code == 200
        response = save(first, "Een andere kaart.", new)
        assert response.status_code == 409 and 'id="editor"' in response.content.decode()
        assert fresh(first).text == "<p>Een kaart.</p>"

    def test_an_htmx_save_stored_as_typed_leaves_the_row_as_it_is_and_one_that_changed_redraws_it(self, client, people):
        from plans import services

        cards, matrix = people.plan.sections.get(kind="cards"), people.plan.sections.get(kind="matrix")
        kind, theme = cards.card_kinds.first(), people.plan.themes.first()
        card = services.card_add(section=cards, kind=kind, theme=theme, text="Een.")
        item = services.content_add(MatrixItem, section=matrix, title="Koken", text="", impact="high", effort="little")
        client.force_login(people.coordinator)
        # What the rich-text editor posts is stored as it is: the row on the page shows the
        # stored card already, so the answer swaps nothing but the notices and revision.
        seen = fresh(cards).revision
        response = client.post(section_url(cards), {
            "action": "item-save", "item": card.pk, "revision": seen, f"i{card.pk}-kind": kind.pk,
            f"i{card.pk}-theme": theme.pk, f"i{card.pk}-topic": "", f"i{card.pk}-text": "<p>Een <strong>sterke</strong> buurt.</p>",
        }, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert response.status_code == 200 and response["HX-Reswap"] == "none"
        assert fresh(card).text == "<p>Een <strong>sterke</strong> buurt.</p>"
        assert "item-editor" not in body and "Opgeslagen." in body and 'id="editor-notices" hx-swap-oob="true"' in body
        assert f'<input type="hidden" name="revision" value="{seen + 1}" hx-swap-oob=' in body
        # Text the sanitiser changed, a trimmed title or a choice field other than a
        # plan's row: the row is drawn again from what was stored.
        posts = [
            (cards, card, {f"i{card.pk}-kind": kind.pk, f"i{card.pk}-theme": theme.pk, f"i{card.pk}-topic": "",
                           f"i{card.pk}-text": "<p>Een<script>x()</script> buurt.</p>"}),
            (matrix, item, {f"i{item.pk}-title": " Samen koken ", f"i{item.pk}-text": "", f"i{item.pk}-impact": "high", f"i{item.pk}-effort": "little"}),
        ]
        for section, saved, data in posts:
            response = client.post(section_url(section), {
                "action": "item-save", "item": saved.pk, "revision": fresh(section).revision, **data,
            }, HTTP_HX_REQUEST="true")
            assert response["HX-Reswap"] == "outerHTML" and f'id="item-{saved.pk}"' in response.content.decode()
        assert fresh(card).text == "<p>Een buurt.</p>" and fresh(item).title == "Samen koken"

    def test_a_card_save_the_service_refuses_shows_why_on_the_card_and_keeps_the_typing(self, client, people):
        from plans import services

        cards = people.plan.sections.get(kind="cards")
        kind, theme = cards.card_kinds.first(), people.plan.themes.first()
        card = services.card_add(section=cards, kind=kind, theme=theme, text="Een.")
        before = fresh(people.plan).revision
        client.force_login(people.coordinator)
        response = client.post(section_url(cards), {  # neither a theme nor a topic: the card's constraint
            "action": "item-save", "item": card.pk, "revision": fresh(cards).revision,
            f"i{card.pk}-kind": kind.pk, f"i{card.pk}-theme": "", f"i{card.pk}-topic": "", f"i{card.pk}-text": "Getypt.",
        }, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert response.status_code == 200 and 'id="editor"' in body
        item = body[body.index(f'id="item-{card.pk}"'):]
        item = item[:item.index("</li>")]
        assert 'class="utrecht-form-field__error-message" role="alert"' in item  # on the card's own form
        assert "\nGetypt.</textarea>" in item
        assert fresh(card).theme == theme and fresh(card).text == "Een."  # nothing saved
        assert fresh(people.plan).revision == before

    def test_an_htmx_reorder_swaps_nothing_and_answers_the_new_revision(self, client, people):
        from plans import services

        cards = people.plan.sections.get(kind="cards")
        kind, theme = cards.card_kinds.first(), people.plan.themes.first()
        ids = [services.card_add(section=cards, kind=kind, theme=theme, text=text).pk for text in ("Een.", "Twee.", "Drie.")]
        seen, plan_seen = fresh(cards).revision, fresh(people.plan).revision
        client.force_login(people.coordinator)
        order = ",".join(map(str, reversed(ids)))
        response = client.post(section_url(cards), {"action": "reorder", "order": order, "revision": seen}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and response["HX-Reswap"] == "none"
        assert response["X-Revision"] == str(seen + 1) == str(fresh(cards).revision)
        assert 'hx-swap-oob="outerHTML:#editor input[name=revision]"' in response.content.decode()
        assert "item-editor" not in response.content.decode()  # the list is not redrawn
        assert list(Card.objects.filter(section=cards).order_by("order").values_list("pk", flat=True)) == ids[::-1]
        assert fresh(people.plan).revision == plan_seen + 1
        # The same drop again, from the revision it was shown at, is a conflict.
        response = client.post(section_url(cards), {"action": "reorder", "order": order, "revision": seen}, HTTP_HX_REQUEST="true")
        assert response.status_code == 409

    def test_a_drop_that_is_not_exactly_the_sections_items_is_refused_and_changes_nothing(self, client, people, demo):
        from plans import services

        cards = people.plan.sections.get(kind="cards")
        kind, theme = cards.card_kinds.first(), people.plan.themes.first()
        ids = [services.card_add(section=cards, kind=kind, theme=theme, text=text).pk for text in ("Een.", "Twee.", "Drie.")]
        foreign = Card.objects.exclude(section=cards).first().pk
        before = fresh(people.plan).revision
        client.force_login(people.coordinator)
        for order in ([ids[2], ids[1]], [ids[2], ids[1], ids[0], foreign], [ids[2], ids[2], ids[1], ids[0]], [ids[2], ids[1], foreign]):
            response = client.post(section_url(cards), {
                "action": "reorder", "order": ",".join(map(str, order)), "revision": fresh(cards).revision,
            }, HTTP_HX_REQUEST="true")
            assert "De volgorde is intussen veranderd. Laad de pagina opnieuw." in response.content.decode(), order
        assert list(Card.objects.filter(section=cards).order_by("order", "pk").values_list("pk", flat=True)) == ids
        assert fresh(people.plan).revision == before
        assert Card.objects.get(pk=foreign).section != cards

    def test_without_htmx_an_item_save_and_a_reorder_go_back_to_the_editor(self, client, people):
        from plans import services

        cards = people.plan.sections.get(kind="cards")
        kind, theme = cards.card_kinds.first(), people.plan.themes.first()
        card = services.card_add(section=cards, kind=kind, theme=theme, text="Een.")
        other = services.card_add(section=cards, kind=kind, theme=theme, text="Twee.")
        client.force_login(people.coordinator)
        response = client.post(section_url(cards), {
            "action": "item-save", "item": card.pk, "revision": fresh(cards).revision,
            f"i{card.pk}-kind": kind.pk, f"i{card.pk}-theme": theme.pk, f"i{card.pk}-topic": "", f"i{card.pk}-text": "Eén.",
        })
        assert response.status_code == 302 and response["Location"] == section_url(cards)
        response = client.post(section_url(cards), {
            "action": "reorder", "order": f"{other.pk},{card.pk}", "revision": fresh(cards).revision,
        })
        assert response.status_code == 302
        body = client.get(section_url(cards)).content.decode()
        assert "Opgeslagen." in body and body.index(f'id="item-{other.pk}"') < body.index(f'id="item-{card.pk}"')

    def test_an_item_action_without_an_item_or_with_an_id_no_row_has_is_not_found(self, client, people):
        cards = people.plan.sections.get(kind="cards")
        client.force_login(people.coordinator)
        for item in ("", "abc", "0", "1,2", str(2**70)):
            response = client.post(section_url(cards), {"action": "item-delete", "item": item, "revision": fresh(cards).revision})
            assert response.status_code == 404, item
        # Nor is a drop of a list with an id no row can have.
        response = client.post(section_url(cards), {"action": "reorder", "order": f"1,{2**70}", "revision": fresh(cards).revision})
        assert response.status_code == 404

    def test_a_section_of_another_plan_is_not_found(self, client, people, demo):
        client.force_login(people.coordinator)
        other = demo.binnenstad.sections.first()
        url = reverse("plans:section_edit", args=[people.plan.code, other.code])
        assert client.get(url).status_code == 404


class TestWorkflow:
    def test_it_moves_to_review_and_adopted_with_notes_and_then_refuses_edits(self, client, people):
        client.force_login(people.coordinator)
        response = client.post(edit_url(people.plan), {"action": "status", "status": "review", "note": ""}, follow=True)
        assert "Schrijf bij elke stap een korte toelichting." in response.content.decode()
        assert fresh(people.plan).status == Plan.Status.CONCEPT
        client.post(edit_url(people.plan), {"action": "status", "status": "review", "note": "Naar de partners."})
        client.post(edit_url(people.plan), {"action": "status", "status": "adopted", "note": "Akkoord MT."})
        assert fresh(people.plan).status == Plan.Status.ADOPTED
        assert list(people.plan.status_changes.values_list("note", flat=True)) == ["Akkoord MT.", "Naar de partners."]
        story = people.plan.sections.get(kind="text")
        response = client.post(section_url(story), {"action": "section-save", "revision": story.revision, "heading": "Anders", "intro": "X"})
        assert "Dit plan is vastgesteld" in response.content.decode()
        assert fresh(story).heading == "Het verhaal"

    def test_a_step_that_does_not_exist_is_refused(self, client, people):
        client.force_login(people.coordinator)
        response = client.post(edit_url(people.plan), {"action": "status", "status": "adopted", "note": "Snel."}, follow=True)
        assert "kan niet" in response.content.decode()
        assert fresh(people.plan).status == Plan.Status.CONCEPT
        assert Section.objects.filter(plan=people.plan).count() == 3


class TestRichText:
    """Plan texts are edited with django-prose-editor and stored as sanitised HTML."""

    def test_the_edit_page_offers_the_editor_with_its_own_static_files(self, client, people):
        client.force_login(people.coordinator)
        body = client.get(section_url(people.plan.sections.get(kind="text"))).content.decode()
        assert 'name="intro"' in body and "data-django-prose-editor-configurable" in body
        assert '<script type="importmap"' in body and "/static/django_prose_editor/configurable.js" in body
        assert "/static/js/rich-text.js" in body and "cdn" not in body.lower()
        # The config the editor gets is the one the sanitiser follows: h3 and h4, no target.
        assert "&quot;levels&quot;:[3,4]" in body and "&quot;enableTarget&quot;:false" in body

    def test_a_cards_and_a_focus_points_texts_get_the_editor_too(self, client, people):
        cards = people.plan.sections.get(kind="cards")
        client.force_login(people.coordinator)
        body = client.get(section_url(cards)).content.decode()
        assert 'name="new-text"' in body and body.count("data-django-prose-editor-configurable") == 2  # intro + new card

    def test_saving_keeps_the_formatting_and_strips_what_could_run(self, client, people):
        story = people.plan.sections.get(kind="text")
        client.force_login(people.coordinator)
        client.post(section_url(story), {
            "action": "section-save", "revision": story.revision, "heading": "Het verhaal",
            "intro": '<p onclick="alert(1)">De wijk <strong>leeft</strong><script>alert(2)</script>'
                     '<img src=x onerror="alert(3)"> <a href="javascript:alert(4)">klik</a> '
                     '<a href="https://www.amersfoort.nl" target="_blank" style="color:red">site</a></p>'
                     "<ul><li>een</li></ul><h1>groot</h1>",
        })
        assert fresh(story).intro == (
            '<p>De wijk <strong>leeft</strong> <a rel="noopener noreferrer">klik</a> '
            '<a href="https://www.amersfoort.nl" rel="noopener noreferrer">site</a></p><ul><li>een</li></ul>groot'
        )
        page = client.get(people.plan.get_absolute_url()).content.decode()
        assert "<strong>leeft</strong>" in page and "alert(" not in page

    def test_text_typed_without_javascript_becomes_escaped_paragraphs(self, client, people):
        story = people.plan.sections.get(kind="text")
        client.force_login(people.coordinator)
        client.post(section_url(story), {
            "action": "section-save", "revision": story.revision, "heading": "Het verhaal",
            "intro": "Eerste & regel\ntweede regel\n\n<script>alert(1)</script>",
        })
        assert fresh(story).intro == "<p>Eerste &amp; regel<br>tweede regel</p><p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"

    def test_a_card_text_is_sanitised_and_shown_as_html(self, client, people):
        cards = people.plan.sections.get(kind="cards")
        client.force_login(people.coordinator)
        client.post(section_url(cards), {
            "action": "item-add", "revision": cards.revision,
            "new-kind": cards.card_kinds.get(name="Kracht").pk, "new-theme": people.plan.themes.get().pk,
            "new-text": '<p>Veel <em>vrijwilligers</em><script>alert(1)</script></p>',
        })
        assert Card.objects.get(section=cards).text == "<p>Veel <em>vrijwilligers</em></p>"
        assert "Veel <em>vrijwilligers</em>" in client.get(people.plan.get_absolute_url()).content.decode()

    def test_an_empty_editor_stores_an_empty_text(self, client, people):
        story = people.plan.sections.get(kind="text")
        client.force_login(people.coordinator)
        client.post(section_url(story), {
            "action": "section-save", "revision": story.revision, "heading": "Het verhaal", "intro": "<p></p>",
        })
        assert fresh(story).intro == ""


def test_a_pdf_of_an_earlier_revision_is_not_offered_as_current(client, people, settings, tmp_path):
    from unittest import mock

    from plans import services
    from plans.pdf.render import RenderedPdf

    settings.MEDIA_ROOT = tmp_path
    with mock.patch.object(services, "render_pdf", return_value=RenderedPdf(pdf=b"%PDF-1.7", pages=3)):
        services.plan_export_render_now(plan=people.plan)
    client.force_login(people.manager)
    url = reverse("plans:plan_pdf", args=[people.plan.code])
    assert "Download PDF" in client.get(url, HTTP_HX_REQUEST="true").content.decode()
    story = people.plan.sections.get(kind="text")
    services.section_update(section=story, intro="Een nieuwe tekst.")
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Download PDF" not in body
    assert "Het plan is gewijzigd sinds deze PDF is gemaakt." in body and "Vorige versie downloaden" in body


def test_copying_to_the_next_year_keeps_the_content_and_moves_the_milestones_on(client, demo):
    plan = demo.binnenstad  # adopted: it stays as it is, the copy is a new concept
    people = People.create(area=plan.area)
    client.force_login(people.coordinator)
    response = client.post(edit_url(plan), {"action": "copy-next"})
    new = Plan.objects.get(area=plan.area, period_start=2026)
    assert response["Location"] == edit_url(new)
    assert (new.status, new.heading, new.title) == ("concept", "Gebiedsplan 2026", "Gebiedsplan 2026 - Binnenstad, Spoorzone")
    assert Card.objects.filter(plan=new).count() == Card.objects.filter(plan=plan).count() == 10
    assert set(Card.objects.filter(plan=new).values_list("theme__plan", flat=True)) == {new.pk}
    labels = list(new.sections.get(kind="timeline").milestones.values_list("period_label", flat=True))
    assert labels[0] == "November 2025:" and labels[-1] == "Q4 2026"
    assert plan.sections.get(kind="timeline").milestones.first().period_label == "November 2024:"
    again = client.post(edit_url(plan), {"action": "copy-next"}, follow=True)
    assert "Er bestaat al een gebiedsplan voor 2026 in dit gebied." in again.content.decode()


class TestReviewComments:
    def url(self, plan):
        return reverse("plans:plan_comments", args=[plan.code])

    def test_a_manager_comments_during_review_and_the_coordinator_resolves(self, client, people):
        from plans.models import SectionComment
        from plans.services import plan_status_change

        story = people.plan.sections.get(kind="text")
        client.force_login(people.manager)
        response = client.post(self.url(people.plan), {"section": story.pk, "text": "Noem de buurtkrant."}, follow=True)
        assert "Opmerkingen plaatsen kan alleen zolang het plan ter review ligt." in response.content.decode()
        assert not SectionComment.objects.exists()
        plan_status_change(plan=people.plan, new_status="review", user=people.coordinator, note="Graag reacties.")
        client.post(self.url(people.plan), {"section": story.pk, "text": "Noem de buurtkrant."})
        comment = SectionComment.objects.get()
        assert client.post(self.url(people.plan), {"action": "resolve", "comment": comment.pk}).status_code == 403
        client.force_login(people.coordinator)
        body = client.get(self.url(people.plan)).content.decode()
        assert "Noem de buurtkrant." in body and "Afhandelen" in body
        client.post(self.url(people.plan), {"action": "resolve", "comment": comment.pk})
        assert SectionComment.objects.get().resolved_by == people.coordinator

    def test_only_coordinator_and_managers_reach_it(self, client, people):
        for person, status in [(people.facilitator, 403), (people.outsider, 404)]:
            client.force_login(person)
            assert client.get(self.url(people.plan)).status_code == status


def test_an_adopted_plan_can_be_published_without_login_and_switched_off(client, demo):
    plan = demo.binnenstad
    people = People.create(area=plan.area)
    client.force_login(people.coordinator)
    client.post(edit_url(plan), {"action": "publish"})
    plan.refresh_from_db()
    public = reverse("plans:plan_public", args=[plan.public_code])
    client.logout()
    response = client.get(public)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Krachten en kansen van Binnenstad en Spoorzone" in body and "Plan bewerken" not in body
    client.force_login(people.coordinator)
    client.post(edit_url(plan), {"action": "unpublish"})
    client.logout()
    assert client.get(public).status_code == 404


def test_a_plan_in_concept_cannot_be_published(client, people):
    client.force_login(people.coordinator)
    response = client.post(edit_url(people.plan), {"action": "publish"}, follow=True)
    assert "Alleen een vastgesteld plan kan openbaar worden gemaakt." in response.content.decode()
    assert Plan.objects.get(pk=people.plan.pk).public_code is None


class TestWriteQueries:
    """What an htmx card save asks the database, whatever the section holds: the person,
    the plan with the section (one query), the card with its place in the section (for
    its row's ↑/↓), the three lists of choices, the lock, the card's UPDATE, the
    revisions and the history (on PostgreSQL one statement in which the database raises
    both revisions and writes the revision, the state and the versions of the plan row,
    the section and its rows; elsewhere one statement per revision, then the last state,
    the revision, the rows read and their versions and the state), and the transaction
    around it (BEGIN, COMMIT; the save checks and refuses before it writes, so it needs no
    savepoint of its own). On PostgreSQL they travel in fewer round trips than queries:
    the card with the lists in one, and the lock, the UPDATE and the revisions with the
    history in one (plans.services._save_in_section; tests/plans/test_save_concurrency.py)."""

    def test_a_save_that_fails_while_writing_keeps_nothing_of_it(self, people, monkeypatch):
        """The save writes in the request's transaction without a savepoint: an error after
        the card's row, the revisions and (on PostgreSQL) the history were written must
        still leave them all as they were (the request answers with an error)."""
        from django.test import Client

        from plans import services
        from plans.models import PlanHistoryState

        cards = people.plan.sections.get(kind="cards")
        kind, theme = cards.card_kinds.first(), people.plan.themes.first()
        card = services.card_add(section=cards, kind=kind, theme=theme, text="Een.")
        revisions = fresh(people.plan).revision, fresh(cards).revision
        kept = PlanHistoryState.objects.filter(plan=people.plan).count()

        def broken(*args, **kwargs):
            raise RuntimeError("the save could not be finished")

        monkeypatch.setattr(services, "_touched", broken)  # what follows the writes, on every database
        client = Client(raise_request_exception=False)
        client.force_login(people.coordinator)
        response = client.post(section_url(cards), {
            "action": "item-save", "item": card.pk, "revision": revisions[1],
            f"i{card.pk}-kind": kind.pk, f"i{card.pk}-theme": theme.pk, f"i{card.pk}-topic": "", f"i{card.pk}-text": "Twee.",
        }, HTTP_HX_REQUEST="true")
        assert response.status_code == 500
        assert fresh(card).text == "Een."
        assert (fresh(people.plan).revision, fresh(cards).revision) == revisions
        assert PlanHistoryState.objects.filter(plan=people.plan).count() == kept

    def test_a_card_save_costs_the_same_few_queries_for_one_card_or_forty(self, client, people, django_assert_num_queries):
        from plans import services

        cards = people.plan.sections.get(kind="cards")
        kind, theme = cards.card_kinds.first(), people.plan.themes.first()
        card = services.card_add(section=cards, kind=kind, theme=theme, text="Veel vrijwilligers.")
        client.force_login(people.coordinator)

        def save(text):
            return client.post(section_url(cards), {
                "action": "item-save", "item": card.pk, "revision": fresh(cards).revision,
                f"i{card.pk}-kind": kind.pk, f"i{card.pk}-theme": theme.pk, f"i{card.pk}-topic": "", f"i{card.pk}-text": text,
            }, HTTP_HX_REQUEST="true")

        from django.db import connection

        # PostgreSQL raises both revisions and writes the history in one statement.
        expected = 12 if connection.vendor == "postgresql" else 21
        save("Eerste keer.")  # the first history state of the plan is written here
        with django_assert_num_queries(expected):  # with the revision read for the form (1)
            assert save("Een keer.").status_code == 200
        for n in range(40):
            services.card_add(section=cards, kind=kind, theme=theme, text=f"Kaart {n}.")
        with django_assert_num_queries(expected):
            assert save("Nog een keer.").status_code == 200
        assert fresh(card).text == "<p>Nog een keer.</p>"
