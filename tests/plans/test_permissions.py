"""Every URL of every app, for every kind of person: the exact answer each gets.

Coordinator: everything of the area. Facilitator: reads, edits the matrix only, runs design
sessions. Manager: reads, comments, downloads. Outsider (and a coordinator of another
organisation, and staff of another organisation): nothing, not even whether it exists
(404). Staff of the organisation act as its coordinator; superusers see everything.
Anonymous people are sent to the login page, except on the public page, the partner link
and the participants' pages of a design session.

`test_the_walk_covers_every_url` reads every pattern from the URL resolver: a new URL that
is not in EXPECTED (or in NOT_WALKED, with why) fails it.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from plans import services
from plans.models import Area, Membership, Organisation, PlanTemplate
from tests.base import PASSWORD, People

pytestmark = pytest.mark.django_db

SECTIONS = [("text", "Het verhaal", "Tekst."), ("matrix", "Matrix")]
ROLES = [
    "anonymous", "outsider", "manager", "facilitator", "coordinator",
    "other_coordinator", "own_staff", "other_staff", "superuser",
]

# (url name[#variant], method) → the status code per role, in the order of ROLES:
#  anon outsider manager facilitator coordinator other-coord own-staff other-staff superuser
EXPECTED: dict[tuple[str, str], list[int]] = {
    ("execution:execution_detail", "GET"): [302, 404, 200, 200, 200, 404, 200, 404, 200],
    ("execution:execution_detail", "POST"): [302, 404, 403, 403, 302, 404, 302, 404, 302],  # an empty form: the coordinator is sent back
    ("execution:execution_delete", "GET"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("execution:execution_delete", "POST"): [302, 404, 403, 403, 302, 404, 302, 404, 302],  # a fresh one per person
    ("execution:execution_edit", "GET"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("execution:execution_edit", "POST"): [302, 404, 403, 403, 200, 404, 200, 404, 200],  # an empty form: shown again
    ("execution:item_delete", "GET"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("execution:item_delete", "POST"): [302, 404, 403, 403, 302, 404, 302, 404, 302],  # a fresh one per person
    ("execution:item_edit", "GET"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("execution:item_edit", "POST"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("execution:execution_export", "GET"): [302, 404, 200, 200, 200, 404, 200, 404, 200],
    ("execution:execution_export", "POST"): [302, 405, 405, 405, 405, 405, 405, 405, 405],  # GET only
    ("execution:execution_list", "GET"): [302, 404, 200, 200, 200, 404, 200, 404, 200],
    ("execution:execution_list", "POST"): [302, 404, 403, 403, 400, 404, 400, 404, 400],  # an empty form: 400 with its errors
    ("execution:execution_overview", "GET"): [302, 404, 200, 200, 200, 404, 200, 404, 200],
    ("execution:execution_overview", "POST"): [302, 405, 405, 405, 405, 405, 405, 405, 405],
    ("execution:partner_page", "GET"): [200, 200, 200, 200, 200, 200, 200, 200, 200],
    ("execution:partner_page", "POST"): [302, 302, 302, 302, 302, 302, 302, 302, 302],
    ("execution:review_detail", "GET"): [302, 404, 200, 200, 200, 404, 200, 404, 200],
    ("execution:review_detail", "POST"): [302, 404, 403, 403, 302, 404, 302, 404, 302],
    ("login", "GET"): [200, 302, 302, 302, 302, 302, 302, 302, 302],  # signed in: sent on
    ("login", "POST"): [200, 302, 302, 302, 302, 302, 302, 302, 302],
    ("logout", "GET"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("logout", "POST"): [302, 302, 302, 302, 302, 302, 302, 302, 302],
    ("matrix:control", "GET"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("matrix:control", "POST"): [302, 404, 403, 400, 400, 404, 400, 404, 400],  # 400: no control named
    ("matrix:item_add", "GET"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("matrix:item_add", "POST"): [403, 404, 403, 302, 302, 404, 302, 404, 302],  # participants (by cookie) and facilitators only
    ("matrix:item_focus", "GET"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("matrix:item_focus", "POST"): [302, 404, 403, 403, 302, 404, 302, 404, 302],
    ("matrix:item_move", "GET"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("matrix:item_move", "POST"): [403, 404, 403, 302, 302, 404, 302, 404, 302],
    ("matrix:item_vote", "GET"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("matrix:item_vote", "POST"): [403, 404, 403, 403, 403, 404, 403, 404, 403],  # dots are for participants only
    ("matrix:join", "GET"): [200, 200, 200, 200, 200, 200, 200, 200, 200],
    ("matrix:join", "POST"): [404, 404, 404, 404, 404, 404, 404, 404, 404],  # no such code
    ("matrix:join_code", "GET"): [200, 200, 200, 200, 200, 200, 200, 200, 200],
    ("matrix:join_code", "POST"): [404, 404, 404, 404, 404, 404, 404, 404, 404],
    ("matrix:participant", "GET"): [302, 302, 302, 302, 302, 302, 302, 302, 302],  # without the session's cookie: to the join page
    ("matrix:participant", "POST"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("matrix:presenter", "GET"): [302, 404, 403, 200, 200, 404, 200, 404, 200],
    ("matrix:presenter", "POST"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("matrix:record", "GET"): [302, 404, 403, 200, 200, 404, 200, 404, 200],
    ("matrix:record", "POST"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("matrix:session_new", "GET"): [302, 404, 403, 200, 200, 404, 200, 404, 200],
    ("matrix:session_new", "POST"): [302, 404, 403, 200, 200, 404, 200, 404, 200],
    ("matrix:stream", "GET"): [403, 404, 403, 200, 200, 404, 200, 404, 200],  # no login redirect for an event stream
    ("matrix:stream", "POST"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("plans:area_list", "GET"): [302, 200, 200, 200, 200, 200, 200, 200, 200],
    ("plans:area_list", "POST"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("plans:organisation_settings", "GET"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("plans:organisation_settings", "POST"): [302, 404, 403, 403, 404, 404, 404, 404, 404],  # no action named: 404
    ("plans:plan_comments", "GET"): [302, 404, 200, 403, 200, 404, 200, 404, 200],
    ("plans:plan_comments", "POST"): [302, 404, 404, 403, 404, 404, 404, 404, 404],  # no section named: 404
    ("plans:plan_colophon", "GET"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("plans:plan_colophon", "POST"): [302, 404, 403, 403, 400, 404, 400, 404, 400],  # an empty form: no title, 400
    ("plans:plan_cover", "GET"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("plans:plan_cover", "POST"): [302, 404, 403, 403, 400, 404, 400, 404, 400],  # an empty form: no document type, 400
    ("plans:plan_cover_image", "GET"): [302, 404, 200, 200, 200, 404, 200, 404, 200],  # everyone who reads the plan
    ("plans:plan_cover_image", "POST"): [302, 405, 405, 405, 405, 405, 405, 405, 405],  # GET only
    ("plans:plan_contributors", "GET"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("plans:plan_contributors", "POST"): [302, 404, 403, 403, 302, 404, 302, 404, 302],
    ("plans:plan_detail", "GET"): [302, 404, 200, 200, 200, 404, 200, 404, 200],
    ("plans:plan_detail", "POST"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("plans:plan_edit", "GET"): [302, 404, 403, 200, 200, 404, 200, 404, 200],
    ("plans:plan_edit", "POST"): [302, 404, 403, 403, 404, 404, 404, 404, 404],  # no action named: 404
    ("plans:plan_figures", "GET"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("plans:plan_figures", "POST"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("plans:plan_history", "GET"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("plans:plan_history", "POST"): [302, 404, 403, 403, 404, 404, 404, 404, 404],  # no revision named: 404
    ("plans:plan_new", "GET"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("plans:plan_new", "POST"): [302, 404, 403, 403, 400, 404, 400, 404, 400],  # nothing chosen: the form again, 400
    ("plans:plan_pdf", "GET"): [302, 404, 200, 200, 200, 404, 200, 404, 200],
    ("plans:plan_pdf", "POST"): [302, 404, 302, 302, 302, 404, 302, 404, 302],
    ("plans:plan_pdf_download", "GET"): [302, 404, 200, 200, 200, 404, 200, 404, 200],
    ("plans:plan_pdf_download", "POST"): [302, 405, 405, 405, 405, 405, 405, 405, 405],
    ("plans:plan_pdf_status", "GET"): [302, 404, 200, 200, 200, 404, 200, 404, 200],
    ("plans:plan_pdf_status", "POST"): [302, 405, 405, 405, 405, 405, 405, 405, 405],
    ("plans:plan_public", "GET"): [200, 200, 200, 200, 200, 200, 200, 200, 200],
    ("plans:plan_public", "POST"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("plans:plan_public_pdf", "GET"): [200, 200, 200, 200, 200, 200, 200, 200, 200],
    ("plans:plan_public_pdf", "POST"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("plans:section_edit", "GET"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("plans:section_edit", "POST"): [302, 404, 403, 403, 404, 404, 404, 404, 404],  # no action named: 404
    # The facilitator edits matrix sections only.
    ("plans:section_edit#matrix", "GET"): [302, 404, 403, 200, 200, 404, 200, 404, 200],
    ("plans:section_edit#matrix", "POST"): [302, 404, 403, 404, 404, 404, 404, 404, 404],
    ("plans:template_section", "GET"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("plans:template_section", "POST"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("plans:template_section_add", "GET"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("plans:template_section_add", "POST"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("set_language", "GET"): [302, 302, 302, 302, 302, 302, 302, 302, 302],
    ("set_language", "POST"): [302, 302, 302, 302, 302, 302, 302, 302, 302],
    ("wijkdata:area_data", "GET"): [302, 404, 200, 200, 200, 404, 200, 404, 200],
    ("wijkdata:area_data", "POST"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("wijkdata:area_export", "GET"): [302, 404, 200, 200, 200, 404, 200, 404, 200],
    ("wijkdata:area_export", "POST"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("wijkdata:import_batch", "GET"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("wijkdata:import_batch", "POST"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("wijkdata:import_confirm", "GET"): [405, 405, 405, 405, 405, 405, 405, 405, 405],
    ("wijkdata:import_confirm", "POST"): [302, 404, 403, 403, 302, 404, 302, 404, 302],
    ("wijkdata:import_upload", "GET"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
    ("wijkdata:import_upload", "POST"): [302, 404, 403, 403, 200, 404, 200, 404, 200],
}

NOT_WALKED = {
    "admin": "Django's admin: staff scope is tested in tests/plans/test_staff_scope.py",
    "media": "served by Django only with DEBUG (development); production serves no media publicly",
}


def url_names() -> set[str]:
    """Every named URL of the project, as namespace:name."""
    names = set()

    def walk(resolver: URLResolver, namespace: str | None) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if inner in NOT_WALKED:
                    continue
                walk(pattern, ":".join(filter(None, [namespace, pattern.namespace])) or None)
            elif isinstance(pattern, URLPattern):
                if pattern.name is None:
                    if str(pattern.pattern).startswith("^media/"):
                        continue  # DEBUG's media server: see NOT_WALKED
                    names.add(f"<unnamed {pattern.pattern}>")
                else:
                    names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver(), None)
    return names


def test_the_walk_covers_every_url():
    walked = {name.split("#")[0] for name, _method in EXPECTED}
    missing = url_names() - walked
    assert not missing, f"URLs not in the permission walk: {sorted(missing)}"
    assert not walked - url_names(), "the walk names URLs that no longer exist"


def _photo():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 90, 140)).save(buffer, "PNG")
    return SimpleUploadedFile("omslag.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def world(settings, tmp_path):
    """One plan of each state around the named people, another organisation with its own
    coordinator, staff of both organisations, and one of every object a URL names."""
    from execution import services as execution_services
    from matrix import services as matrix_services
    from wijkdata.models import ImportBatch

    settings.MEDIA_ROOT = tmp_path
    # Rate limits are not permissions: a walk of wrong join codes would otherwise hit one.
    settings.RATELIMIT_ENABLE = False
    people = People.create(sections=SECTIONS)
    User = get_user_model()
    plan = people.plan
    other = Organisation.objects.create(name="Welzijn Elders", municipality_name="Elders", municipality_code="GM9998")
    other_area = Area.objects.create(organisation=other, name="Ander gebied")
    other_coordinator = User.objects.create_user("t-other-coordinator", password=PASSWORD)
    Membership.objects.create(area=other_area, user=other_coordinator, role=Membership.Role.COORDINATOR)
    own_staff = User.objects.create_user("t-own-staff", password=PASSWORD, is_staff=True)
    people.organisation.staff.add(own_staff)
    other_staff = User.objects.create_user("t-other-staff", password=PASSWORD, is_staff=True)
    other.staff.add(other_staff)

    matrix = plan.sections.get(kind="matrix")
    session = matrix_services.session_start(section=matrix, user=people.facilitator, title="Sessie")
    participant = matrix_services.session_join(session=session, name="Anna", organisation="GGD")
    item = matrix_services.item_add(session=session, participant=participant, title="We gaan koken")
    ep = execution_services.execution_plan_create(plan=plan, title="Uitvoering")
    action = execution_services.action_add(execution_plan=ep, title="Koken", owner="GGD")
    _link, token = execution_services.partner_link_create(execution_plan=ep, owner=action.owner)
    services.plan_cover_update(plan=plan, cover=_photo())
    export = services.plan_export_render_now(plan=plan)
    assert export.is_done

    # An adopted, published plan of another year, with its archived PDF.
    adopted = services.plan_create(area=people.area, period_start=2024, template=None)
    services.plan_status_change(plan=adopted, new_status="review", user=people.coordinator, note="Klaar.")
    services.plan_status_change(plan=adopted, new_status="adopted", user=people.coordinator, note="Vastgesteld.")
    adopted.refresh_from_db()
    services.plan_publish(plan=adopted, public=True)
    adopted.refresh_from_db()
    services.plan_export_render_now(plan=adopted)
    assert adopted.exports.filter(status="done", archived=True).exists()

    batch = ImportBatch.objects.create(
        user=people.coordinator, area=people.area, owner=people.organisation, original_name="cijfers.csv",
        file="imports/cijfers.csv", status=ImportBatch.Status.PREVIEW,
    )
    template = PlanTemplate.objects.get(organisation=people.organisation)
    users = {
        "anonymous": None, "outsider": people.outsider, "manager": people.manager, "facilitator": people.facilitator,
        "coordinator": people.coordinator, "other_coordinator": other_coordinator, "own_staff": own_staff,
        "other_staff": other_staff, "superuser": people.admin,
    }
    return {
        "people": people, "plan": plan, "section": plan.sections.get(kind="text"), "matrix": matrix,
        "session": session, "item": item, "ep": ep, "action": action, "token": token, "export": export, "adopted": adopted,
        "batch": batch, "template": template, "template_section": template.sections.first(), "users": users,
    }


def url_for(name: str, w: dict) -> str:
    plan, session = w["plan"], w["session"]
    args = {
        "login": [], "logout": [], "set_language": [],
        "plans:area_list": [],
        "plans:plan_public": [w["adopted"].public_code],
        "plans:plan_public_pdf": [w["adopted"].public_code],
        "plans:section_edit": [plan.code, w["section"].code],
        "plans:section_edit#matrix": [plan.code, w["matrix"].code],
        "plans:organisation_settings": [w["people"].organisation.code],
        "plans:template_section_add": [w["people"].organisation.code, w["template"].code],
        "plans:template_section": [w["people"].organisation.code, w["template"].code, w["template_section"].pk],
        "plans:plan_pdf_status": [plan.code, w["export"].code],
        "plans:plan_pdf_download": [plan.code, w["export"].code],
        "wijkdata:area_data": [w["people"].area.code],
        "wijkdata:area_export": [w["people"].area.code],
        "wijkdata:import_upload": [w["people"].area.code],
        "wijkdata:import_batch": [w["batch"].code],
        "wijkdata:import_confirm": [w["batch"].code],
        "matrix:session_new": [plan.code],
        "matrix:join": [],
        "matrix:join_code": [session.join_code],
        "matrix:item_add": [session.code],
        "matrix:item_move": [session.code, w["item"].pk],
        "matrix:item_vote": [session.code, w["item"].pk],
        "matrix:item_focus": [session.code, w["item"].pk],
        "execution:execution_list": [plan.code],
        "execution:execution_overview": [plan.code],
        "execution:execution_detail": [plan.code, w["ep"].code],
        "execution:execution_export": [plan.code, w["ep"].code, "csv"],
        "execution:execution_edit": [plan.code, w["ep"].code],
        "execution:execution_delete": [plan.code, w["ep"].code],
        "execution:item_edit": [plan.code, w["ep"].code, "actie", w["action"].pk],
        "execution:item_delete": [plan.code, w["ep"].code, "actie", w["action"].pk],
        "plans:plan_new": [w["people"].area.code],
        "execution:review_detail": [plan.code, w["ep"].code, 2026, 1],
        "execution:partner_page": [w["token"]],
    }
    if name in args:
        return reverse(name.split("#")[0], args=args[name])
    if name.startswith("matrix:"):
        return reverse(name, args=[session.code])
    return reverse(name, args=[plan.code])


def _fresh(name: str, w: dict) -> str:
    """A delete that works removes its object: each person asks to remove one of their own."""
    from execution import services as execution_services

    plan = w["plan"]
    ep = execution_services.execution_plan_create(plan=plan, title="Weg te halen")
    if name == "execution:execution_delete":
        return reverse(name, args=[plan.code, ep.code])
    action = execution_services.action_add(execution_plan=ep, title="Weg", owner="GGD")
    return reverse(name, args=[plan.code, ep.code, "actie", action.pk])


FRESH = {("execution:execution_delete", "POST"), ("execution:item_delete", "POST")}


def answer(client, user, method: str, url: str) -> tuple[int, bytes]:
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(url) if method == "GET" else client.post(url, {})
    if response.streaming:
        return response.status_code, b""  # an event stream is never read
    return response.status_code, response.content


def test_every_person_gets_exactly_their_answer_on_every_url(client, world):
    wrong = []
    area_name = world["people"].area.name.encode()
    for (name, method), expected in EXPECTED.items():
        url = url_for(name, world)
        answers = [
            answer(client, world["users"][role], method, _fresh(name, world) if (name, method) in FRESH else url)
            for role in ROLES
        ]
        got = [status for status, _body in answers]
        if got != expected:
            wrong.append(f"{name} {method}: expected {expected}, got {got}")
        for role, (status, body) in zip(ROLES, answers, strict=True):
            # Not even whether it exists: a 404 never names the area.
            if status == 404 and area_name in body:
                wrong.append(f"{name} {method}: the 404 for {role} names the area")
    assert not wrong, "\n".join(wrong)


def test_the_public_page_answers_only_for_a_published_adopted_plan(client, world):
    adopted, plan = world["adopted"], world["plan"]
    public_code = adopted.public_code
    # A plan's own code is not its public code, and a concept plan has no public page.
    for code in (plan.code, adopted.code):
        assert client.get(reverse("plans:plan_public", args=[code])).status_code == 404
    services.plan_publish(plan=adopted, public=False)
    for name in ("plans:plan_public", "plans:plan_public_pdf"):
        assert client.get(reverse(name, args=[public_code])).status_code == 404
