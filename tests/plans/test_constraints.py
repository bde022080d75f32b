"""Check constraints evaluated in Python (plans.constraints) say what the database's own
check says, and a save shows the constraint's message."""

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans import services
from plans.constraints import validate_constraints
from plans.models import Card, CardTopic, PlanTemplate, Section
from tests.base import People

pytestmark = pytest.mark.django_db


@pytest.fixture
def card():
    people = People.create(sections=[("cards", "Krachten en kansen")], themes=["Gezond leven"])
    section = Section.objects.get(plan=people.plan, kind="cards")
    return Card.objects.filter(section=section).select_related("section__plan").first() or Card.objects.create(
        plan=people.plan, section=section, kind=section.card_kinds.first(),
        theme=people.plan.themes.first(), text="Een kaart",
    )


def refused(check) -> list | None:
    try:
        check()
    except ValidationError as error:
        return sorted(error.messages)
    return None


def test_it_agrees_with_the_database_on_every_combination(card):
    topic = CardTopic.objects.create(section=card.section, name="Wonen")
    theme = card.theme
    for text, theme_value, topic_value in itertools.product(["", "Tekst"], [None, theme], [None, topic]):
        card.text, card.theme, card.topic = text, theme_value, topic_value
        assert refused(lambda: validate_constraints(card)) == refused(card.validate_constraints), (text, theme_value, topic_value)
    template = PlanTemplate(organisation=card.plan.area.organisation, name="Sjabloon", document_type="gebiedsplan")
    for years in (None, 0, 1, 10, 11):
        template.years = years
        assert refused(lambda: validate_constraints(template, exclude={"name"})) == refused(
            lambda: template.validate_constraints(exclude={"name"})
        ), years


def test_a_card_save_is_refused_with_the_constraints_message_and_asks_the_database_nothing(card):
    topic = CardTopic.objects.create(section=card.section, name="Wonen")
    card.section.plan = card.plan
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError) as refusal:
        services.content_update(item=card, theme=card.theme, topic=topic)  # both: one is allowed
    # The message Django's own check gives (the database's answer), without asking it.
    assert refusal.value.messages == refused(card.validate_constraints)
    assert not [q for q in queries.captured_queries if '"_check"' in q["sql"]]
    assert Card.objects.get(pk=card.pk).topic_id is None  # nothing written
