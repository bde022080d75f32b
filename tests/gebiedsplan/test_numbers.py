"""Decimal commas wherever a person types a number: one parser, one field per kind of
number, each used by every form that asks for a number."""

from decimal import Decimal

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gebiedsplan.numbers import AmbiguousNumber, DecimalCommaField, IntegerCommaField, parse_number
from plans.models import PlanTemplate, SurveyQuestion
from tests.base import People


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("10,7", Decimal("10.7")),
        ("1.234,5", Decimal("1234.5")),
        ("1.234.567", Decimal("1234567")),
        ("10.7", Decimal("10.7")),  # a dot that cannot group thousands is a decimal point
        ("1,234.5", Decimal("1234.5")),  # both signs, the dot last: the English way
        ("-3", Decimal("-3")),
        ("\u22122,5", Decimal("-2.5")),  # a typographic minus
        (" 6 960 ", Decimal("6960")),
        (",5", Decimal("0.5")),
        ("", None),
    ],
)
def test_it_reads_numbers_as_people_type_them(typed, number):
    assert parse_number(typed) == number


@pytest.mark.parametrize("typed", ["abc", "1,2,3", "12,", "1.23.4", "10,7%", "1.2,3"])
def test_it_refuses_what_is_not_a_number(typed):
    with pytest.raises(ValueError):
        parse_number(typed)


def test_a_single_thousands_dot_is_ambiguous_only_where_decimals_are_allowed():
    with pytest.raises(AmbiguousNumber):
        parse_number("1.234")
    assert parse_number("1.234", whole=True) == 1234


class NumberForm(forms.Form):
    amount = DecimalCommaField(required=False, max_digits=8, decimal_places=2)
    count = IntegerCommaField(required=False, min_value=0)


class TestFields:
    def test_the_decimal_field_accepts_a_comma_and_shows_values_with_one(self):
        form = NumberForm({"amount": "10,7", "count": "1.234"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data == {"amount": Decimal("10.7"), "count": 1234}
        html = str(NumberForm(initial={"amount": Decimal("1234.50"), "count": 12})["amount"])
        assert 'value="1234,5"' in html and 'inputmode="decimal"' in html and 'type="text"' in html

    def test_it_explains_in_dutch_what_it_cannot_read(self):
        form = NumberForm({"amount": "tien", "count": "10,5"})
        assert not form.is_valid()
        assert form.errors["amount"] == ["Vul een getal in, bijvoorbeeld 10,7 of 1.234,5."]
        assert form.errors["count"] == ["Vul een geheel getal in, zonder decimalen."]

    def test_it_asks_about_an_ambiguous_dot(self):
        form = NumberForm({"amount": "1.234"})
        assert not form.is_valid()
        assert "Schrijf decimalen met een komma (1,234) of laat de punt weg (1234)" in form.errors["amount"][0]

    def test_the_limits_still_hold(self):
        form = NumberForm({"count": "-1"})
        assert not form.is_valid() and "count" in form.errors


@pytest.mark.django_db
class TestForms:
    def test_the_survey_editor_takes_a_whole_number_with_a_thousands_dot(self, client):
        people = People.create(sections=[("survey", "Enquête")])
        section = people.plan.sections.get()
        url = reverse("plans:section_edit", args=[people.plan.code, section.code])
        client.force_login(people.coordinator)
        payload = {"action": "item-add", "revision": section.revision, "new-question": "Hoe gaat het?"}
        response = client.post(url, {**payload, "new-respondents": "1.234"})
        assert response.status_code == 302
        assert SurveyQuestion.objects.get().respondents == 1234
        body = client.get(url).content.decode()
        assert 'inputmode="decimal"' in body and 'value="1234"' in body
        section.refresh_from_db()
        response = client.post(url, {**payload, "revision": section.revision, "new-respondents": "12,5"})
        assert response.status_code == 200 and "Vul een geheel getal in, zonder decimalen." in response.content.decode()
        assert SurveyQuestion.objects.count() == 1

    def test_a_template_takes_its_number_of_years_with_a_comma(self, client):
        people = People.create()
        url = reverse("plans:organisation_settings", args=[people.organisation.code])
        client.force_login(people.coordinator)
        base = {"action": "template-add", "new-template-name": "Wijkplan", "new-template-document_type": "Wijkplan"}
        client.post(url, {**base, "new-template-years": "4,0"})
        assert PlanTemplate.objects.get(name="Wijkplan").years == 4
        response = client.post(url, {**base, "new-template-name": "Ander", "new-template-years": "vier"})
        assert "Vul een getal in, bijvoorbeeld 10,7 of 1.234,5." in response.content.decode()
        assert not PlanTemplate.objects.filter(name="Ander").exists()
        assert 'inputmode="decimal"' in client.get(url).content.decode()

    def test_the_import_form_reads_the_year_as_typed(self, client):
        from tests.wijkdata.conftest import TEST_FIGURES
        from wijkdata.models import ImportBatch

        people = People.create()
        url = reverse("wijkdata:import_upload", args=[people.area.code])
        client.force_login(people.coordinator)
        response = client.post(url, {"file": SimpleUploadedFile("c.csv", TEST_FIGURES.encode()), "year": "2024,5"})
        assert response.status_code == 200 and "Vul een geheel getal in, zonder decimalen." in response.content.decode()
        assert not ImportBatch.objects.exists()
        response = client.post(url, {"file": SimpleUploadedFile("c.csv", TEST_FIGURES.encode()), "year": "2.024"})
        assert response.status_code == 302 and ImportBatch.objects.get().year == 2024
