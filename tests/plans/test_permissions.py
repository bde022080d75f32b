"""Every page of a plan, for every role: the exact answer each person gets.

Coordinator: everything. Facilitator: reads, edits the matrix only. Manager: reads and
downloads. Outsider: nothing, not even whether the plan exists (404). Staff: everything.
"""

import pytest
from django.urls import reverse

from tests.base import People

pytestmark = pytest.mark.django_db

SECTIONS = [("text", "Het verhaal", "Tekst."), ("matrix", "Matrix")]
ROLES = ["anonymous", "coordinator", "facilitator", "manager", "outsider", "admin"]

# url name → expected status per role, in the order of ROLES.
EXPECTED = {
    "area_list": [302, 200, 200, 200, 200, 200],
    "plan_detail": [302, 200, 200, 200, 404, 200],
    "plan_edit": [302, 200, 200, 403, 404, 200],
    "section_edit_text": [302, 200, 403, 403, 404, 200],
    "section_edit_matrix": [302, 200, 200, 403, 404, 200],
    "plan_history": [302, 200, 403, 403, 404, 200],
    "plan_comments": [302, 200, 403, 200, 404, 200],
    "plan_figures": [302, 200, 403, 403, 404, 200],
    "plan_pdf": [302, 200, 200, 200, 404, 200],
    "organisation_settings": [302, 200, 403, 403, 404, 200],
    "area_data": [302, 200, 200, 200, 404, 200],
    "import_upload": [302, 200, 403, 403, 404, 200],
    "execution_list": [302, 200, 200, 200, 404, 200],
    "execution_overview": [302, 200, 200, 200, 404, 200],
    "execution_detail": [302, 200, 200, 200, 404, 200],
    "execution_export": [302, 200, 200, 200, 404, 200],
    "review_detail": [302, 200, 200, 200, 404, 200],
    "execution_edit": [302, 200, 403, 403, 404, 200],
    "execution_delete": [302, 200, 403, 403, 404, 200],
    "item_edit": [302, 200, 403, 403, 404, 200],
    "item_delete": [302, 200, 403, 403, 404, 200],
}


@pytest.fixture
def people():
    return People.create(sections=SECTIONS)


def url_for(name: str, people) -> str:
    plan = people.plan
    if name == "area_list":
        return reverse("plans:area_list")
    if name.startswith("section_edit"):
        section = plan.sections.get(kind=name.rsplit("_", 1)[1])
        return reverse("plans:section_edit", args=[plan.code, section.code])
    if name == "organisation_settings":
        return reverse("plans:organisation_settings", args=[people.organisation.code])
    if name in ("area_data", "import_upload"):
        return reverse(f"wijkdata:{name}", args=[people.area.code])
    if name.startswith(("execution", "review", "item_")):
        from execution.services import execution_plan_create

        ep = plan.execution_plans.first() or execution_plan_create(plan=plan, title="Uitvoering")
        if name in ("execution_list", "execution_overview"):
            return reverse(f"execution:{name}", args=[plan.code])
        if name.startswith("item_"):
            from execution.services import action_add

            action = ep.actions.first() or action_add(execution_plan=ep, title="Actie")
            return reverse(f"execution:{name}", args=[plan.code, ep.code, "actie", action.pk])
        if name == "execution_export":
            return reverse("execution:execution_export", args=[plan.code, ep.code, "csv"])
        if name == "review_detail":
            return reverse("execution:review_detail", args=[plan.code, ep.code, 2026, 1])
        return reverse(f"execution:{name}", args=[plan.code, ep.code])
    return reverse(f"plans:{name}", args=[plan.code])


@pytest.mark.parametrize("name", EXPECTED)
def test_every_role_gets_exactly_its_answer(client, people, name):
    url = url_for(name, people)
    for role, expected in zip(ROLES, EXPECTED[name], strict=True):
        client.logout()
        if role != "anonymous":
            client.force_login(getattr(people, role))
        response = client.get(url)
        assert response.status_code == expected, (name, role)
        if role == "outsider":
            assert people.area.name.encode() not in response.content  # not even the area's name
