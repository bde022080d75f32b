"""Survey answers (label and count) are added and removed in the section editor."""

import pytest
from django.urls import reverse

from plans import services
from plans.models import Plan, SurveyAnswer, SurveyQuestion
from tests.base import People

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return People.create(sections=[("survey", "Wat bewoners zeggen")])


def setup(people):
    section = people.plan.sections.get(kind="survey")
    question = services.content_add(SurveyQuestion, section=section, question="Voelt u zich veilig?", respondents=120)
    section.refresh_from_db()
    return section, question, reverse("plans:section_edit", args=[people.plan.code, section.code])


def test_it_adds_an_answer_with_a_revision_and_the_plan_shows_it(client, people):
    section, question, url = setup(people)
    client.force_login(people.coordinator)
    before = Plan.objects.get(pk=people.plan.pk).revision
    response = client.post(url, {"action": "answer-add", "item": question.pk, "revision": section.revision,
                                 "label": "Ja, meestal", "count": "100"})
    assert response.status_code == 302
    assert list(question.answers.values_list("label", "count")) == [("Ja, meestal", 100)]
    assert Plan.objects.get(pk=people.plan.pk).revision == before + 1
    assert "Ja, meestal" in client.get(people.plan.get_absolute_url()).content.decode()


def test_bad_answers_get_a_dutch_message_and_write_nothing(client, people):
    section, question, url = setup(people)
    client.force_login(people.coordinator)
    for data, message in [
        ({"label": "", "count": "3"}, "Vul het antwoord in."),
        ({"label": "Nee", "count": ""}, "Vul bij het antwoord het aantal in."),
        ({"label": "Nee", "count": "veel"}, "Aantal:"),
        ({"label": "Nee", "count": "121"}, "groter dan het aantal respondenten (120)"),
    ]:
        response = client.post(url, {"action": "answer-add", "item": question.pk, "revision": section.revision, **data})
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not SurveyAnswer.objects.exists()


def test_it_removes_an_answer(client, people):
    section, question, url = setup(people)
    answer = services.survey_answer_add(question=question, label="Nee", count=20)
    client.force_login(people.coordinator)
    response = client.post(url, {"action": "answer-delete", "item": question.pk, "answer": answer.pk,
                                 "revision": type(section).objects.get(pk=section.pk).revision}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert not SurveyAnswer.objects.exists()


def test_a_manager_may_not_add_answers(client, people):
    section, question, url = setup(people)
    client.force_login(people.manager)
    response = client.post(url, {"action": "answer-add", "item": question.pk, "revision": section.revision,
                                 "label": "Ja", "count": "3"})
    assert response.status_code == 403
    assert not SurveyAnswer.objects.exists()
