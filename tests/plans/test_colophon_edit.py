"""The colophon's own fields (title, publisher, makers, copyright, the text of thanks),
edited in place by the coordinator."""

import datetime
import re

import pytest
from django.urls import reverse

from plans import services
from plans.history import plan_history
from plans.models import Plan
from plans.pdf.render import plan_html
from tests.base import People

pytestmark = pytest.mark.django_db

TEXT_FIELDS = [
    "title", "tagline", "publisher", "publisher_address", "publisher_phone", "authors", "design", "photography",
    "copyright",
]


@pytest.fixture
def people():
    return People.create(sections=[("text", "Het verhaal", "Tekst.")])


def url(plan) -> str:
    return reverse("plans:plan_colophon", args=[plan.code])


def fresh(plan) -> Plan:
    return Plan.objects.select_related("area__organisation").get(pk=plan.pk)


def values(**changes) -> dict:
    data = {
        "title": "Wijkplan Sociaal 2026–2030", "tagline": "Samen sterk in de wijk", "publication_date": "2026-03-01",
        "publisher": "Welzijn Test", "publisher_address": "Postbus 1, 9999 AA Teststad",
        "publisher_email": "info@welzijn.nl", "publisher_phone": "030 123 45 67", "authors": "Saskia de Vries",
        "design": "Studio Vorm", "photography": "Ellen Bakker", "copyright": "Welzijn Test 2026",
        "colophon_text": "<p>Met dank aan <strong>iedereen</strong>.</p>",
    }
    data.update(changes)
    return data


def post(client, plan, revision=None, **changes):
    data = values(**changes)
    data["revision"] = fresh(plan).revision if revision is None else revision
    return client.post(url(plan), data)


def page(client, plan) -> str:
    return client.get(plan.get_absolute_url()).content.decode()


class TestColophonEditor:
    def test_it_shows_the_form_with_dutch_labels_and_the_plans_values(self, client, people):
        client.force_login(people.coordinator)
        response = client.get(url(people.plan))
        assert response.status_code == 200
        assert "plans/plan_colophon.html" in [t.name for t in response.templates]
        body = response.content.decode()
        for label in ("Titel", "Slogan", "Publicatiedatum", "Uitgave door", "E-mail uitgever", "Auteurs",
                      "Vormgeving", "Fotografie", "Copyright", "Verantwoording"):
            assert f">{label}</label>" in body, label
        assert 'value="Gebiedsplan 2025"' in body
        assert f'name="revision" value="{people.plan.revision}"' in body
        assert "data-django-prose-editor" in body  # the rich-text editor of the other plan texts

    def test_it_saves_with_a_revision_and_redirects_with_a_message(self, client, people):
        client.force_login(people.coordinator)
        before = fresh(people.plan).revision
        response = post(client, people.plan)
        assert response.status_code == 302 and response.url == url(people.plan)
        plan = fresh(people.plan)
        assert plan.revision == before + 1
        assert plan.title == "Wijkplan Sociaal 2026–2030" and plan.publisher_email == "info@welzijn.nl"
        assert plan.publication_date == datetime.date(2026, 3, 1)
        assert plan.colophon_text == "<p>Met dank aan <strong>iedereen</strong>.</p>"
        assert "Het colofon is opgeslagen." in client.get(response.url).content.decode()

    def test_the_plan_page_and_the_pdf_show_it(self, client, people):
        client.force_login(people.coordinator)
        page(client, people.plan)  # the article is cached before the change
        post(client, people.plan)
        client.force_login(people.manager)
        body = page(client, people.plan)
        html = plan_html(fresh(people.plan))
        for text in ("Wijkplan Sociaal 2026–2030", "Studio Vorm", "Ellen Bakker", "Postbus 1, 9999 AA Teststad",
                     "info@welzijn.nl", "Maart 2026", "<strong>iedereen</strong>"):
            assert text in body, text
            assert text in html, text

    def test_saving_it_unchanged_makes_no_revision(self, client, people):
        client.force_login(people.coordinator)
        post(client, people.plan)
        before = fresh(people.plan).revision
        assert post(client, people.plan).status_code == 302
        assert fresh(people.plan).revision == before

    def test_bad_values_get_dutch_messages_and_nothing_is_written(self, client, people):
        client.force_login(people.coordinator)
        before = fresh(people.plan)
        response = post(client, people.plan, title="   ", publisher_email="geen adres", publication_date="31-2-2026")
        assert response.status_code == 400
        body = response.content.decode()
        assert "Vul de titel van het plan in." in body
        assert "Vul een geldig e-mailadres in, bijvoorbeeld info@welzijn.nl." in body
        assert "Vul de publicatiedatum in als dag-maand-jaar" in body
        assert 'value="Studio Vorm"' in body and 'value="geen adres"' in body  # the typing stays
        after = fresh(people.plan)
        assert (after.revision, after.title, after.design) == (before.revision, before.title, "")

    def test_a_dutch_date_is_accepted(self, client, people):
        client.force_login(people.coordinator)
        assert post(client, people.plan, publication_date="1-3-2026").status_code == 302
        assert fresh(people.plan).publication_date == datetime.date(2026, 3, 1)

    def test_the_service_refuses_an_empty_title_and_a_bad_email_too(self, people):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError) as error:
            services.plan_colophon_update(plan=people.plan, title=" ", publisher_email="x@")
        assert error.value.messages == [
            "Vul de titel van het plan in.", "x@ is geen e-mailadres (bijvoorbeeld info@welzijn.nl).",
        ]
        assert fresh(people.plan).title == "Gebiedsplan 2025"

    def test_the_text_is_sanitised_and_plain_text_becomes_paragraphs(self, client, people):
        client.force_login(people.coordinator)
        post(client, people.plan, colophon_text='<p onclick="x()">Dank <script>alert(1)</script><a href="javascript:x()">hier</a></p>')
        stored = fresh(people.plan).colophon_text
        assert "script" not in stored and "onclick" not in stored and "javascript" not in stored
        assert stored.startswith("<p>Dank")
        post(client, people.plan, colophon_text="Regel een\n\n<b>Regel</b> twee")
        assert fresh(people.plan).colophon_text == "<p>Regel een</p><p>&lt;b&gt;Regel&lt;/b&gt; twee</p>"

    def test_the_htmx_branch_returns_the_editor_with_a_saved_notice(self, client, people):
        client.force_login(people.coordinator)
        data = {**values(design="Studio Htmx"), "revision": fresh(people.plan).revision}
        response = client.post(url(people.plan), data, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert response.status_code == 200 and "<html" not in body and 'id="editor"' in body
        assert "Het colofon is opgeslagen." in body
        plan = fresh(people.plan)
        assert plan.design == "Studio Htmx"
        assert f'name="revision" value="{plan.revision}"' in body  # the next save starts from this one
        assert "Het colofon is opgeslagen." not in client.get(url(people.plan)).content.decode()  # said once

    def test_an_htmx_save_with_errors_is_shown_in_place(self, client, people):
        client.force_login(people.coordinator)
        data = {**values(title=""), "revision": fresh(people.plan).revision}
        response = client.post(url(people.plan), data, HTTP_HX_REQUEST="true")
        assert response.status_code == 200  # htmx swaps no 400
        body = response.content.decode()
        assert "<html" not in body and "Vul de titel van het plan in." in body

    def test_a_stale_save_is_refused_with_both_texts_and_keeps_the_typing(self, client, people):
        client.force_login(people.coordinator)
        seen = fresh(people.plan).revision
        post(client, people.plan, revision=seen, authors="Saskia de Vries")
        response = post(client, people.plan, revision=seen, authors="Ellen Bakker", design="Studio Ellen")
        assert response.status_code == 409
        body = response.content.decode()
        assert "Iemand anders heeft het colofon opgeslagen" in body
        assert "<del>Saskia de Vries</del>" in body and "<ins>Ellen Bakker</ins>" in body
        assert 'value="Ellen Bakker"' in body and 'value="Studio Ellen"' in body  # nothing typed is lost
        assert fresh(people.plan).authors == "Saskia de Vries"
        # The conflict page carries the stored revision: saving again merges.
        current = fresh(people.plan).revision
        assert f'name="revision" value="{current}"' in body
        assert post(client, people.plan, revision=current, authors="Saskia de Vries en Ellen Bakker").status_code == 302
        assert fresh(people.plan).authors == "Saskia de Vries en Ellen Bakker"

    def test_a_stale_htmx_save_swaps_the_conflict_in(self, client, people):
        client.force_login(people.coordinator)
        seen = fresh(people.plan).revision
        services.plan_colophon_update(plan=fresh(people.plan), title="Hun titel")
        data = {**values(title="Mijn titel"), "revision": seen}
        response = client.post(url(people.plan), data, HTTP_HX_REQUEST="true")
        assert response.status_code == 409
        body = response.content.decode()
        assert "<html" not in body and 'id="h-conflict"' in body
        assert "<del>Hun</del>" in body and "<ins>Mijn</ins>" in body

    def test_an_edit_of_a_section_meanwhile_is_no_conflict(self, client, people):
        client.force_login(people.coordinator)
        seen = fresh(people.plan).revision
        story = people.plan.sections.get()
        services.section_update(section=story, heading="Ons verhaal")
        assert fresh(people.plan).revision > seen
        assert post(client, people.plan, revision=seen).status_code == 302
        assert fresh(people.plan).title == "Wijkplan Sociaal 2026–2030"

    def test_a_post_without_its_revision_is_refused(self, client, people):
        client.force_login(people.coordinator)
        response = client.post(url(people.plan), values())
        assert response.status_code == 400
        assert "versienummer" in response.content.decode()
        assert fresh(people.plan).title == "Gebiedsplan 2025"

    def test_an_adopted_plan_shows_it_read_only_and_refuses_a_save(self, client, people):
        services.plan_colophon_update(plan=people.plan, design="Studio Vorm")
        Plan.objects.filter(pk=people.plan.pk).update(status=Plan.Status.ADOPTED)
        client.force_login(people.coordinator)
        body = client.get(url(people.plan)).content.decode()
        assert "<form method=\"post\" class=\"settings-card colophon-form\"" not in body
        assert 'name="title"' not in body and "Studio Vorm" in body
        assert "Dit plan is vastgesteld" in body
        response = post(client, people.plan, title="Andere titel")
        assert response.status_code == 400
        assert "Dit plan is vastgesteld en kan niet meer worden gewijzigd." in response.content.decode()
        assert fresh(people.plan).title == "Gebiedsplan 2025"

    def test_it_requires_login(self, client, people):
        response = client.get(url(people.plan))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))

    def test_it_rejects_other_methods(self, client, people):
        client.force_login(people.coordinator)
        assert client.put(url(people.plan)).status_code == 405
        assert client.delete(url(people.plan)).status_code == 405

    def test_it_is_for_the_coordinator_only(self, client, people):
        for person, status in [(people.facilitator, 403), (people.manager, 403), (people.outsider, 404)]:
            client.force_login(person)
            assert client.get(url(people.plan)).status_code == status
            assert post(client, people.plan, title="Niet van mij").status_code == status
        assert fresh(people.plan).title == "Gebiedsplan 2025"
        client.force_login(people.admin)  # a superuser coordinates every area
        assert client.get(url(people.plan)).status_code == 200

    def test_the_edit_page_and_the_plan_page_link_to_it_for_the_coordinator_only(self, client, people):
        link = f'href="{url(people.plan)}"'
        client.force_login(people.coordinator)
        assert link in client.get(reverse("plans:plan_edit", args=[people.plan.code])).content.decode()
        colophon = page(client, people.plan).split('id="h-colofon"')[1].split("</section>")[0]
        assert link in colophon and "Colofon bewerken" in colophon
        for person in (people.manager, people.facilitator):
            client.force_login(person)
            assert link not in page(client, people.plan)  # from the same cached article

    def test_a_login_that_ran_out_keeps_the_typing(self, client, people):
        response = post(client, people.plan, revision=fresh(people.plan).revision, authors="Getypt voor het inloggen")
        assert response.status_code == 302
        back = re.search(r"next=([^&]+)", response.url).group(1)
        from urllib.parse import unquote

        client.force_login(people.coordinator)
        body = client.get(unquote(back)).content.decode()
        assert 'value="Getypt voor het inloggen"' in body
        assert fresh(people.plan).authors == ""


class TestColophonHistory:
    def test_the_change_is_on_the_history_page_and_restoring_brings_the_old_title_back(self, client, people):
        client.force_login(people.coordinator)
        kept = plan_history(fresh(people.plan))[0].revision
        empty = dict.fromkeys(values(), "")
        post(client, people.plan, **{**empty, "title": "Wijkplan Sociaal 2026–2030"})
        latest = plan_history(fresh(people.plan))[0]
        assert latest.revision.comment == "Colofon gewijzigd" and latest.revision.user == people.coordinator
        assert [c.heading for c in latest.changes] == ["Colofon"]
        post(client, people.plan, **{**empty, "title": "Wijkplan Sociaal 2026–2030", "design": "Studio Vorm"})
        body = client.get(reverse("plans:plan_history", args=[people.plan.code])).content.decode()
        assert "Colofon gewijzigd" in body
        assert "Titel: <del>Gebiedsplan 2025</del>" in body and "Titel: <ins>Wijkplan Sociaal 2026–2030</ins>" in body
        assert "<ins>Vormgeving: Studio Vorm</ins>" in body

        before = fresh(people.plan).revision
        response = client.post(reverse("plans:plan_history", args=[people.plan.code]), {"revision_id": kept.pk})
        assert response.status_code == 302
        plan = fresh(people.plan)
        assert plan.title == "Gebiedsplan 2025" and plan.design == "" and plan.publication_date is None
        assert plan.revision == before + 1
        assert "Gebiedsplan 2025" in page(client, plan).split('id="h-colofon"')[1]

    def test_a_save_stores_the_plan_row_and_no_section(self, people):
        from reversion.models import Version

        services.plan_colophon_update(plan=people.plan, title="Nieuwe titel")
        revision = plan_history(fresh(people.plan))[0].revision
        models = set(Version.objects.filter(revision=revision).values_list("content_type__model", flat=True))
        assert models == {"plan"}


def inert(html: str) -> list[str]:
    """What in `html` could run: script-like elements, event attributes, javascript: links."""
    from html.parser import HTMLParser

    found = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in {"script", "iframe", "object", "embed"} or (tag == "img" and "x" in dict(attrs).values()):
                found.append(tag)
            for name, value in attrs:
                if name.startswith("on") or "javascript:" in (value or "").lower():
                    found.append(f"{tag} {name}={value}")

    parser = Parser()
    parser.feed(html)
    return found


class TestColophonXss:
    PAYLOAD = '<script>alert(1)</script><img src=x onerror=alert(1)>"><svg onload=alert(1)>'

    def test_a_payload_in_every_text_field_is_inert_on_the_plan_page(self, client, people):
        client.force_login(people.coordinator)
        typed = {name: f"{name} {self.PAYLOAD}"[:40 if name == "publisher_phone" else 200] for name in TEXT_FIELDS}
        response = post(
            client, people.plan, **typed,
            colophon_text=f'<p>dank</p>{self.PAYLOAD}<a href="javascript:alert(1)">klik</a><p onclick="alert(1)">x</p>',
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        article = page(client, people.plan).split('<article class="plan"')[1].split("</article>")[0]
        for body in (article, plan_html(fresh(people.plan))):
            assert inert(body) == []
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # still there for the reader, escaped
            for name in TEXT_FIELDS:
                assert f"{name} &lt;script&gt;" in body, name
