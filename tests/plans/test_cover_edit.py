"""The cover's photo and the kind of document, changed by the coordinator in the browser:
the upload is checked for what it is, stored under a name of our own, kept in the history
(restoring brings the old photo back) and shown on the PDF's first page."""

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from plans import services
from plans.history import plan_history
from plans.models import Plan, PlanTemplate
from plans.pdf.render import plan_html
from tests.base import People

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def people():
    people = People.create(sections=[("text", "Het verhaal", "Tekst.")])
    PlanTemplate.objects.create(organisation=people.organisation, name="Wijkplan", document_type="Wijkplan Sociaal")
    return people


def photo(name="wijk.jpg", kind="JPEG", size=(64, 40), colour=(200, 30, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, kind)
    types = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=types[kind])


def url(plan) -> str:
    return reverse("plans:plan_cover", args=[plan.code])


def fresh(plan) -> Plan:
    return Plan.objects.select_related("area__organisation").get(pk=plan.pk)


def stored_files(media) -> list[str]:
    folder = media / "covers"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def post(client, plan, **data):
    data.setdefault("document_type", fresh(plan).document_type)
    return client.post(url(plan), data)


class TestCoverPage:
    def test_it_shows_the_form_with_the_document_types_and_no_photo_yet(self, client, people):
        client.force_login(people.coordinator)
        response = client.get(url(people.plan))
        assert response.status_code == 200
        assert "plans/plan_cover.html" in [t.name for t in response.templates]
        body = response.content.decode()
        assert 'enctype="multipart/form-data"' in body  # works without JavaScript
        assert '<option value="Gebiedsplan" selected>' in body
        assert '<option value="Wijkplan Sociaal">' in body  # the organisation's template's type
        assert "Nog geen omslagfoto." in body
        assert "hoogstens 10 MB" in body

    def test_the_colophon_and_the_edit_page_link_to_it(self, client, people):
        client.force_login(people.coordinator)
        for page in ("plans:plan_colophon", "plans:plan_edit"):
            assert url(people.plan) in client.get(reverse(page, args=[people.plan.code])).content.decode()

    def test_it_stores_an_upload_under_a_generated_name_with_a_revision_and_history(self, client, people, media):
        client.force_login(people.coordinator)
        before = fresh(people.plan).revision
        response = post(client, people.plan, cover=photo("../../etc/Mijn wijk.JPG"))
        assert response.status_code == 302 and response.url == url(people.plan)
        plan = fresh(people.plan)
        assert plan.revision == before + 1
        name = plan.cover_image.name
        assert name.startswith("covers/") and name.endswith(".jpg") and "wijk" not in name
        assert stored_files(media) == [name.removeprefix("covers/")]
        assert plan_history(plan)[0].revision.comment == "Omslagfoto gewijzigd: Mijn wijk.JPG"
        body = client.get(response.url).content.decode()
        assert "De omslag is opgeslagen." in body and "De omslagfoto van nu" in body
        preview = reverse("plans:plan_cover_image", args=[plan.code])
        assert f'src="{preview}?v=' in body
        image = client.get(preview)
        assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
        assert b"".join(image.streaming_content) == default_storage.open(name).read()

    def test_the_stored_photo_has_no_location_or_camera_data_and_stands_upright(self, client, people):
        buffer = io.BytesIO()
        exif = Image.Exif()
        exif[0x0110] = "Telefoon van Fatima"  # the camera model
        exif[0x0112] = 6  # orientation: the camera was held upright, the pixels lie on their side
        exif.get_ifd(0x8825)[2] = (52.0, 9.0, 30.0)  # GPS latitude
        Image.new("RGB", (4000, 1000), (10, 120, 200)).save(buffer, "JPEG", exif=exif)
        assert b"Telefoon van Fatima" in buffer.getvalue()
        client.force_login(people.coordinator)
        post(client, people.plan, cover=SimpleUploadedFile("wijk.jpg", buffer.getvalue(), content_type="image/jpeg"))
        stored = default_storage.open(fresh(people.plan).cover_image.name).read()
        assert b"Telefoon van Fatima" not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert not image.getexif()
            assert image.size == (750, 3000)  # turned upright, at most 3000 pixels on its long side

    def test_the_pdf_shows_the_new_photo(self, client, people):
        client.force_login(people.coordinator)
        assert "cover--photo" not in plan_html(fresh(people.plan))
        post(client, people.plan, cover=photo(kind="PNG", name="wijk.png"))
        plan = fresh(people.plan)
        html = plan_html(plan)
        assert "cover--photo" in html and plan.cover_image.url in html
        assert plan.cover_image.name.endswith(".png")

    @pytest.mark.parametrize(
        ("upload", "message"),
        [
            (SimpleUploadedFile("wijk.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>",
                                content_type="image/jpeg"), "wijk.jpg is geen foto die we kunnen gebruiken"),
            (photo("wijk.gif", kind="GIF"), "Kies een JPEG-, PNG- of WebP-bestand van hoogstens 10 MB"),
            (SimpleUploadedFile("half.jpg", photo().read()[:300], content_type="image/jpeg"),
             "half.jpg is geen foto die we kunnen gebruiken"),
            (SimpleUploadedFile("leeg.jpg", b"", content_type="image/jpeg"), "Het gekozen bestand is leeg."),
        ],
        ids=["svg-named-jpg", "gif", "truncated", "empty"],
    )
    def test_it_refuses_what_is_no_photo_of_ours_and_writes_nothing(self, client, people, media, upload, message):
        client.force_login(people.coordinator)
        before = fresh(people.plan)
        response = post(client, people.plan, cover=upload, document_type="Wijkplan Sociaal")
        assert response.status_code == 400
        assert message in response.content.decode()
        plan = fresh(people.plan)
        assert (plan.revision, plan.cover_image.name, plan.document_type) == (before.revision, "", "Gebiedsplan")
        assert stored_files(media) == []

    def test_it_refuses_a_photo_over_the_size_limit(self, client, people, media, monkeypatch):
        monkeypatch.setattr(services, "COVER_MAX_BYTES", 500)
        client.force_login(people.coordinator)
        response = post(client, people.plan, cover=photo(size=(400, 400), kind="PNG", name="groot.png"))
        assert response.status_code == 400
        assert "groot.png is groter dan 10 MB." in response.content.decode()
        assert stored_files(media) == [] and not fresh(people.plan).cover_image

    def test_it_refuses_a_photo_with_too_many_pixels_before_decoding_it(self, people, media, monkeypatch):
        monkeypatch.setattr(services, "COVER_MAX_PIXELS", 1000)
        with pytest.raises(services.ValidationError, match="meer dan 0 miljoen pixels"):
            services.plan_cover_update(plan=people.plan, cover=photo(size=(100, 100)))
        assert stored_files(media) == []

    def test_it_replaces_and_removes_the_photo_keeping_the_files_the_history_names(self, client, people, media):
        client.force_login(people.coordinator)
        post(client, people.plan, cover=photo(colour=(255, 0, 0)))
        first = fresh(people.plan).cover_image.name
        post(client, people.plan, cover=photo(kind="WEBP", name="tweede.webp"))
        second = fresh(people.plan).cover_image.name
        assert second != first and second.endswith(".webp")
        response = post(client, people.plan, remove_cover="on")
        assert response.status_code == 302
        plan = fresh(people.plan)
        assert not plan.cover_image and "cover--photo" not in plan_html(plan)
        assert plan_history(plan)[0].revision.comment == "Omslagfoto verwijderd"
        # Both earlier photos are named by revisions in the history: a restore needs them.
        assert stored_files(media) == sorted([first.removeprefix("covers/"), second.removeprefix("covers/")])

    def test_restoring_an_earlier_revision_brings_its_photo_and_document_type_back(self, client, people):
        client.force_login(people.coordinator)
        post(client, people.plan, cover=photo(), document_type="Gebiedsplan")
        first = fresh(people.plan).cover_image.name
        with_first = plan_history(fresh(people.plan))[0].revision.pk
        post(client, people.plan, cover=photo(kind="PNG", name="b.png"), document_type="Wijkplan Sociaal")
        assert fresh(people.plan).document_type == "Wijkplan Sociaal"
        services.plan_restore(plan=fresh(people.plan), revision_id=with_first)
        plan = fresh(people.plan)
        assert (plan.cover_image.name, plan.document_type) == (first, "Gebiedsplan")
        assert default_storage.exists(first)
        assert "cover--photo" in plan_html(plan) and plan.cover_image.url in plan_html(plan)

    def test_a_file_nothing_names_any_more_is_deleted_after_the_commit(self, people, media, django_capture_on_commit_callbacks):
        name = default_storage.save("covers/los.jpg", photo())
        Plan.objects.filter(pk=people.plan.pk).update(cover_image=name)  # set without the history (the admin)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.plan_cover_update(plan=fresh(people.plan), remove_cover=True)
        assert default_storage.exists(name)  # not before the commit
        for callback in callbacks:
            callback()
        assert not default_storage.exists(name)

    def test_it_changes_the_document_type_and_a_default_title_with_it(self, client, people):
        plan = fresh(people.plan)
        Plan.objects.filter(pk=plan.pk).update(title="Gebiedsplan 2025 - Testgebied")
        client.force_login(people.coordinator)
        response = post(client, plan, document_type="Wijkplan Sociaal")
        assert response.status_code == 302
        plan = fresh(plan)
        assert (plan.document_type, plan.title, plan.heading) == (
            "Wijkplan Sociaal", "Wijkplan Sociaal 2025 - Testgebied", "Wijkplan Sociaal 2025",
        )
        assert "Wijkplan Sociaal" in plan_html(plan)
        assert plan_history(plan)[0].revision.comment == "Soort document gewijzigd in Wijkplan Sociaal"
        history = client.get(reverse("plans:plan_history", args=[plan.code])).content.decode()
        change = re.search(r'<h3 class="history__section">Omslag .*?</div></div>', history, re.S).group(0)
        assert "Soort document: <del>Gebiedsplan</del>" in change and "Soort document: <ins>Wijkplan Sociaal</ins>" in change

    def test_an_own_title_stays_when_the_document_type_changes(self, client, people):
        client.force_login(people.coordinator)
        post(client, people.plan, document_type="Wijkplan Sociaal")
        assert fresh(people.plan).title == "Gebiedsplan 2025"  # typed by someone, not the default

    def test_it_refuses_a_document_type_not_offered(self, client, people):
        client.force_login(people.coordinator)
        response = post(client, people.plan, document_type="<b>Iets</b>")
        assert response.status_code == 400
        assert "Kies een soort document uit de lijst." in response.content.decode()
        assert fresh(people.plan).document_type == "Gebiedsplan"

    def test_it_refuses_a_document_type_another_plan_of_the_period_has(self, client, people):
        services.plan_create(area=people.area, period_start=2025, document_type="Wijkplan Sociaal", template=None)
        client.force_login(people.coordinator)
        before = fresh(people.plan).revision
        response = post(client, people.plan, document_type="Wijkplan Sociaal", cover=photo())
        assert response.status_code == 400
        assert "Er bestaat al een wijkplan sociaal voor 2025 in dit gebied." in response.content.decode()
        assert fresh(people.plan).revision == before and not fresh(people.plan).cover_image

    def test_saving_unchanged_makes_no_revision(self, client, people):
        client.force_login(people.coordinator)
        before = fresh(people.plan).revision
        assert post(client, people.plan).status_code == 302
        assert fresh(people.plan).revision == before


class TestAdoptedPlan:
    def test_it_only_shows_the_cover_and_refuses_a_post(self, client, people, media):
        client.force_login(people.coordinator)
        post(client, people.plan, cover=photo())
        Plan.objects.filter(pk=people.plan.pk).update(status=Plan.Status.ADOPTED)
        before = fresh(people.plan)
        body = client.get(url(people.plan)).content.decode()
        assert "Dit plan is vastgesteld en kan niet meer worden gewijzigd." in body
        assert 'type="file"' not in body and "De omslagfoto van nu" in body
        response = post(client, people.plan, cover=photo(kind="PNG", name="b.png"), document_type="Wijkplan Sociaal")
        assert response.status_code == 400
        assert "Maak een nieuwe versie om het aan te passen." in response.content.decode()
        after = fresh(people.plan)
        assert (after.revision, after.cover_image.name, after.document_type) == (
            before.revision, before.cover_image.name, "Gebiedsplan",
        )
        assert len(stored_files(media)) == 1

    def test_the_service_refuses_it_too(self, people):
        Plan.objects.filter(pk=people.plan.pk).update(status=Plan.Status.ADOPTED)
        with pytest.raises(services.ValidationError, match="vastgesteld"):
            services.plan_cover_update(plan=fresh(people.plan), cover=photo())


class TestAccess:
    def test_it_requires_login(self, client, people):
        response = client.get(url(people.plan))
        assert response.status_code == 302 and "/inloggen/" in response.url
        assert client.get(reverse("plans:plan_cover_image", args=[people.plan.code])).status_code == 302

    @pytest.mark.parametrize("who", ["facilitator", "manager"])
    def test_only_the_coordinator_changes_it(self, client, people, who):
        client.force_login(getattr(people, who))
        assert client.get(url(people.plan)).status_code == 403
        assert post(client, people.plan, cover=photo()).status_code == 403
        assert not fresh(people.plan).cover_image

    def test_an_outsider_sees_neither_the_page_nor_the_photo(self, client, people):
        services.plan_cover_update(plan=people.plan, cover=photo())
        client.force_login(people.outsider)
        assert client.get(url(people.plan)).status_code == 404
        assert client.get(reverse("plans:plan_cover_image", args=[people.plan.code])).status_code == 404

    def test_a_reader_of_the_plan_sees_the_photo(self, client, people):
        services.plan_cover_update(plan=people.plan, cover=photo())
        client.force_login(people.manager)
        assert client.get(reverse("plans:plan_cover_image", args=[people.plan.code])).status_code == 200

    def test_the_photo_address_is_404_without_a_photo(self, client, people):
        client.force_login(people.coordinator)
        assert client.get(reverse("plans:plan_cover_image", args=[people.plan.code])).status_code == 404

    def test_it_rejects_other_methods(self, client, people):
        client.force_login(people.coordinator)
        assert client.put(url(people.plan)).status_code == 405
        assert client.post(reverse("plans:plan_cover_image", args=[people.plan.code])).status_code == 405


class TestVersions:
    def test_a_new_version_changing_its_photo_leaves_the_adopted_versions_photo(self, client, people, media, django_capture_on_commit_callbacks):
        services.plan_cover_update(plan=fresh(people.plan), cover=photo())
        old = fresh(people.plan).cover_image.name
        Plan.objects.filter(pk=people.plan.pk).update(status=Plan.Status.ADOPTED)
        new = services.plan_new_version(plan=fresh(people.plan), user=people.coordinator)
        assert fresh(new).cover_image.name == old  # the copy shows the same photo
        client.force_login(people.coordinator)
        with django_capture_on_commit_callbacks(execute=True):
            assert post(client, new, cover=photo(kind="PNG", name="nieuw.png")).status_code == 302
        assert fresh(new).cover_image.name != old
        adopted = fresh(people.plan)
        assert adopted.cover_image.name == old and default_storage.exists(old)
        assert adopted.cover_image.url in plan_html(adopted)
