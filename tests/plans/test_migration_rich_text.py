"""Plan texts written in the old light markup become the HTML the rich-text editor saves
(migration plans 0017, with its own frozen converter); a freshly loaded demo holds the
same HTML as a migrated old one."""

import importlib
import tomllib
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from plans.richtext import markup_to_html
from plans.sanitize import to_clean_html

rich_text = importlib.import_module("plans.migrations.0017_rich_text_html")

BEFORE = [("plans", "0016_history_states_backfill")]
OLD_STORY = (
    "## Kop\n\n### Tussenkop\n\nDe wijk **leeft** en *groeit*.\nZelfde alinea.\n\n- een\n- twee\n\n1. eerst\n2. dan\n\n"
    "Zie [de gemeente](https://www.s-hertogenbosch.nl/wijken) of [mail](mailto:wijk@example.nl).\n\n"
    "[x](javascript:alert(1)) <script>alert(1)</script> & 's-Hertogenbosch\n\n"
    "| Wijk | Inwoners |\n|---|---|\n| Boschveld | 3.723 |"
)
NEW_STORY = (
    "<h3>Kop</h3><h4>Tussenkop</h4><p>De wijk <strong>leeft</strong> en <em>groeit</em>. Zelfde alinea.</p>"
    "<ul><li>een</li><li>twee</li></ul><ol><li>eerst</li><li>dan</li></ol>"
    '<p>Zie <a href="https://www.s-hertogenbosch.nl/wijken" rel="noopener noreferrer">de gemeente</a> of '
    '<a href="mailto:wijk@example.nl" rel="noopener noreferrer">mail</a>.</p>'
    "<p>[x](javascript:alert(1)) &lt;script&gt;alert(1)&lt;/script&gt; &amp; 's-Hertogenbosch</p>"
    "<table><thead><tr><th>Wijk</th><th>Inwoners</th></tr></thead><tbody><tr><td>Boschveld</td><td>3.723</td></tr></tbody></table>"
)


def migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_the_frozen_converter_turns_each_piece_of_markup_into_html():
    assert rich_text.convert(OLD_STORY) == NEW_STORY
    assert rich_text.convert("") == "" and rich_text.convert("  \n") == ""
    # Text that already is HTML is only sanitised; a card's plain text is escaped, not read as markup.
    assert rich_text.convert('<p onclick="x()">al <strong>HTML</strong></p>') == "<p>al <strong>HTML</strong></p>"
    assert rich_text.convert("**niet vet** <b>\nregel", plain=True) == "<p>**niet vet** &lt;b&gt;<br>regel</p>"


@pytest.mark.django_db(transaction=True)
def test_old_texts_become_html_and_cards_go_back_to_plain_text():
    old = migrate(BEFORE)
    Organisation = old.get_model("plans", "Organisation")
    organisation = Organisation.objects.create(name="Oud", municipality_name="Oudstad", municipality_code="GM9997")
    area = old.get_model("plans", "Area").objects.create(organisation=organisation, name="Oude wijk")
    plan = old.get_model("plans", "Plan").objects.create(
        area=area, period_start=2025, period_end=2025, title="Plan", colophon_text="Met dank aan **iedereen**."
    )
    section = old.get_model("plans", "Section").objects.create(plan=plan, kind="text", heading="Verhaal", intro=OLD_STORY)
    focus = old.get_model("plans", "Section").objects.create(plan=plan, kind="focus", heading="Focus", order=1)
    old.get_model("plans", "FocusPoint").objects.create(section=focus, title="F", quantitative="- 12%\n- 14%")
    cards = old.get_model("plans", "Section").objects.create(plan=plan, kind="cards", heading="Kaarten", order=2)
    kind = old.get_model("plans", "CardKind").objects.create(section=cards, name="Kracht")
    topic = old.get_model("plans", "CardTopic").objects.create(section=cards, name="Steun")
    old.get_model("plans", "Card").objects.create(plan=plan, section=cards, kind=kind, topic=topic, text="Sterk & **samen**")
    try:
        migrate()
        from plans.models import Card, FocusPoint, Plan, Section

        assert Section.objects.get(pk=section.pk).intro == NEW_STORY
        assert Plan.objects.get(pk=plan.pk).colophon_text == "<p>Met dank aan <strong>iedereen</strong>.</p>"
        assert FocusPoint.objects.get(section_id=focus.pk).quantitative == "<ul><li>12%</li><li>14%</li></ul>"
        assert Card.objects.get(section_id=cards.pk).text == "<p>Sterk &amp; **samen**</p>"

        back = migrate(BEFORE)
        assert back.get_model("plans", "Card").objects.get(section_id=cards.pk).text == "Sterk & **samen**"
        # The marked-up texts keep their HTML, which the code before 0017 rendered as well.
        assert back.get_model("plans", "Section").objects.get(pk=section.pk).intro == NEW_STORY
    finally:
        migrate()


def _fixture_texts():
    """Every text of the demo fixtures that the loader converts, with how it converts it."""
    demo = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
    texts = []

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in {"intro", "colophon_text", "quantitative", "qualitative", "story"} or isinstance(value, str) and key.endswith(("_intro", "_text")):
            texts.append(value.strip())

    for path in sorted(demo.glob("*.toml")):
        with path.open("rb") as fh:
            walk(tomllib.load(fh))
    return texts


def test_a_fresh_demo_holds_the_same_html_as_a_migrated_old_one():
    texts = _fixture_texts()
    assert len(texts) > 20
    for text in texts:
        assert markup_to_html(text) == rich_text.convert(text)
    for card in ("Sterk & samen in 's-Hertogenbosch", "Twee\nregels", "**geen** markup"):
        assert to_clean_html(card) == rich_text.convert(card, plain=True)
