"""Imported names reach plotly.js as text: a name `<a href=…>` is shown as written and
never becomes a link (plotly reads a few HTML tags in labels, titles and legends)."""

import json
import re

import pytest

from plans.demo import DEMO_PASSWORD
from tests.wijkdata.test_area_data import url
from wijkdata.models import Indicator, Neighbourhood
from wijkdata.selectors import plot_text

pytestmark = pytest.mark.django_db

LINK = '<a href="https://evil.example/">klik</a>'


@pytest.fixture
def hostile_names(area_with_figures):
    Neighbourhood.objects.filter(code="BU99990101").update(name=LINK)
    Indicator.objects.filter(code="ggd-eenzaam").update(name="Eenzaam <b>vet</b> & meer")
    return area_with_figures


def chart_json(html: str, name: str) -> dict:
    match = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_labels_and_titles_are_escaped_for_plotly(client, hostile_names):
    client.force_login(hostile_names.manager)
    html = client.get(url(hostile_names, indicator="ggd-eenzaam")).content.decode()
    chart = chart_json(html, "chart-comparison")
    labels = chart["data"][0]["y"]
    # Long names are wrapped over lines (<br>, our only markup); every line is escaped.
    assert any("&lt;a" in label and "&lt;/a&gt;" in label for label in labels)
    assert not any("<a" in label or "</a>" in label for label in labels)
    assert chart["layout"]["title"]["text"] == "Eenzaam &lt;b&gt;vet&lt;/b&gt; &amp; meer (2024)"


def test_plot_text_leaves_ordinary_names_alone():
    assert plot_text("Binnenstad-Spoorzone (Boschveld)") == "Binnenstad-Spoorzone (Boschveld)"
    assert plot_text("'s-Hertogenbosch") == "'s-Hertogenbosch"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_the_browser_the_name_is_text_not_a_link(page, live_server, hostile_names):
    from django.contrib.auth import get_user_model

    manager = hostile_names.manager
    manager.set_password(DEMO_PASSWORD)
    manager.save()
    assert get_user_model().objects.filter(pk=manager.pk).exists()
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(manager.username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(live_server.url + url(hostile_names, indicator="ggd-eenzaam"))
    page.wait_for_selector("#charts .plotly-chart .main-svg")
    chart = page.locator("#charts .plotly-chart").first
    assert chart.locator("a").count() == 0
    text = chart.text_content()
    assert "<a" in text and "klik</a>" in text  # shown as written (over two lines)
    assert "Eenzaam <b>vet</b> & meer" in chart.text_content()
