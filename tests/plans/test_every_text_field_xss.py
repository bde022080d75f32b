"""Every text a person can type, in every model a plan shows, filled with XSS payloads:
nothing executable reaches the plan page, the public page of the adopted plan, the PDF's
HTML (nor does WeasyPrint fetch anything outside our own files), or the other pages that
show these texts (comments, history, execution, design sessions, settings); and each text
is still there for the reader, escaped.

The list of fields is not written by hand only: `test_every_text_field_is_covered` reads
every CharField, TextField and JSONField of the apps from `_meta` and fails when one is in
neither FIELDS (filled below, with where a reader sees it) nor NOT_FILLED (with why not).
"""

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import models, transaction
from django.urls import reverse

from execution import services as execution_services
from matrix import services as matrix_services
from matrix.models import MatrixItem
from matrix.selectors import cookie_name, cookie_salt
from plans import services
from plans.models import (
    Activity,
    ActivityType,
    CardKind,
    CardTopic,
    FocusPoint,
    Goal,
    GoalIndicator,
    Intervention,
    InterventionPartner,
    Milestone,
    Plan,
    SurveyAnswer,
    SurveyQuestion,
)
from plans.pdf import render as pdf_render
from plans.pdf.fetcher import BASE_URL
from tests.base import People

pytestmark = pytest.mark.django_db

# Two payloads a round (a round fills every field once); the shortest fields (40
# characters) keep the first of the two.
PAYLOADS = {
    "script-img": "<script>alert(1)</script> <img src=x onerror=alert(1)>",
    "links-svg": '<a href="javascript:alert(1)">klik</a> [klik](javascript:alert(1)) "><svg onload=alert(1)>',
    "template-css": (
        '{{7*7}} {% debug %} ${7*7} a");}@import url(https://evil.example/a.css);'
        '<p style="background:url(https://evil.example/b.png)">'
    ),
    # What a rich-text editor saves: it is sanitised, so only the words stay visible.
    "editor-html": '</p><script>alert(1)</script><p onclick="alert(1)"><a href="javascript:alert(1)">klik</a>',
}

# Where a reader sees each text. page: the plan page; public: the public page of the
# adopted plan; pdf: the HTML WeasyPrint gets; and the pages named in SURFACES.
PLAN = {"page", "public", "pdf"}
FIELDS: dict[str, set[str]] = {
    "plans.Organisation.name": PLAN | {"settings"},
    "plans.Organisation.municipality_name": {"area_data"},
    "plans.Organisation.phone": {"pdf"},
    "plans.Organisation.postal_address": set(),
    "plans.Theme.name": {"settings"},
    "plans.Theme.description": set(),
    "plans.Area.name": PLAN | {"area_data", "edit"},
    "plans.Area.description": set(),
    "plans.Plan.document_type": PLAN,
    "plans.Plan.title": PLAN | {"history", "execution"},
    "plans.Plan.tagline": PLAN,
    "plans.Plan.publisher": PLAN,
    "plans.Plan.publisher_address": PLAN,
    "plans.Plan.publisher_phone": PLAN,
    "plans.Plan.authors": PLAN,
    "plans.Plan.design": PLAN,
    "plans.Plan.photography": PLAN,
    "plans.Plan.copyright": PLAN,
    "plans.Plan.contributing_organisations": PLAN,
    "plans.Plan.colophon_text": PLAN,
    "plans.PlanTheme.name": PLAN,
    "plans.PlanTheme.description": set(),
    "plans.PlanTemplate.name": {"settings"},
    "plans.PlanTemplate.document_type": {"settings"},
    "plans.TemplateSection.heading": {"settings"},
    "plans.TemplateSection.contents_label": set(),
    "plans.TemplateSection.intro": set(),
    "plans.TemplateSection.card_kinds": set(),
    "plans.Section.heading": PLAN | {"comments"},
    "plans.Section.contents_label": PLAN,
    "plans.Section.intro": PLAN,
    "plans.CardKind.name": PLAN,
    "plans.CardTopic.name": PLAN,
    "plans.Card.text": PLAN,
    "plans.FigureTable.heading": PLAN,
    "plans.FigureTable.footnote": PLAN,
    "plans.FigureTableIndicator.label": PLAN,
    "plans.FigureTableIndicator.group": PLAN,
    "plans.FigureTableNeighbourhood.label": PLAN,
    "plans.FocusPoint.group": PLAN,
    "plans.FocusPoint.title": PLAN,
    "plans.FocusPoint.statement": PLAN,
    "plans.FocusPoint.quantitative": PLAN,
    "plans.FocusPoint.qualitative": PLAN,
    "plans.Milestone.period_label": PLAN,
    "plans.Milestone.text": PLAN,
    "plans.Intervention.title": PLAN,
    "plans.Intervention.problem": PLAN,
    "plans.Intervention.target_groups": PLAN,
    "plans.Intervention.approach": PLAN,
    "plans.Intervention.direct_results": PLAN,
    "plans.Intervention.medium_results": PLAN,
    "plans.Intervention.long_term": PLAN,
    "plans.InterventionPartner.name": PLAN,
    "plans.Activity.title": PLAN,
    "plans.Activity.target_group": PLAN,
    "plans.Activity.aim": PLAN,
    "plans.Activity.partners": PLAN,
    "plans.Goal.title": PLAN,
    "plans.Goal.description": PLAN,
    "plans.SurveyQuestion.question": PLAN,
    "plans.SurveyAnswer.label": PLAN,
    "plans.SectionComment.text": {"comments"},
    "plans.PlanStatusChange.note": {"edit"},
    "matrix.MatrixItem.title": PLAN | {"presenter", "participant"},
    "matrix.MatrixItem.text": PLAN,
    "matrix.MatrixItem.proposed_by": PLAN,
    "matrix.DesignSession.title": {"presenter", "record"},
    "matrix.Participant.name": {"presenter", "record"},
    "matrix.Participant.organisation": {"presenter", "record"},
    "matrix.SessionItem.title": {"presenter", "participant", "record"},
    "matrix.SessionItem.text": {"presenter", "participant"},
    "execution.ExecutionPlan.title": PLAN | {"execution", "review", "partner"},
    "execution.ExecutionPlan.urgency": {"execution"},
    "execution.ExecutionPlan.reach": {"execution"},
    "execution.ExecutionPlan.feasibility": {"execution"},
    "execution.ExecutionPlan.lead": {"execution"},
    "execution.ExecutionPlan.work_group": set(),  # not shown anywhere yet
    "execution.BudgetLine.source": PLAN | {"execution"},
    "execution.BudgetLine.note": PLAN | {"execution"},
    "execution.Action.title": {"execution", "review", "partner"},
    "execution.Action.owner": {"execution", "partner"},
    "execution.Action.notes": set(),
    "execution.Action.last_update": {"execution", "partner"},
    "execution.Target.statement": {"execution", "review"},
    "execution.Review.plan_notes": {"review"},
    "execution.Review.do_notes": {"review"},
    "execution.Review.check_notes": {"review"},
    "execution.Review.act_notes": {"review"},
    "execution.Review.next_quarter": {"review"},
    "execution.PartnerLink.owner": {"partner"},
    "wijkdata.Neighbourhood.name": PLAN | {"area_data"},
    "wijkdata.Indicator.name": PLAN | {"area_data"},
    "wijkdata.Indicator.unit": set(),
    "wijkdata.Indicator.description": set(),
    "wijkdata.Indicator.source_column": set(),
    "wijkdata.IndicatorValue.source": PLAN | {"area_data"},
    "wijkdata.IndicatorValue.missing_reason": set(),
    "auth.User.first_name": {"comments", "edit"},
    "auth.User.last_name": {"comments", "edit"},
}

NOT_FILLED = {
    "plans.PlanHistoryState.parts": "internal: which stored revision holds each part of the plan; never shown",
    # Checked against a fixed form, so no markup can be stored.
    "plans.Organisation.municipality_code": "validated: GM and four digits",
    "plans.Organisation.colour": "validated: #rrggbb (and validated again before the PDF uses it)",
    "plans.Organisation.email": "EmailField: validated",
    "plans.Organisation.website": "URLField: validated (http/https only)",
    "plans.Plan.publisher_email": "EmailField: validated",
    "execution.Action.contact_email": "EmailField: validated",
    "execution.ReminderSent.email": "EmailField: validated; never shown",
    "wijkdata.Indicator.code": "SlugField: validated",
    "wijkdata.Neighbourhood.code": "CBS code from the import; matched, never rendered as markup",
    # Written by the system, not typed.
    "matrix.DesignSession.join_code": "generated from a fixed alphabet",
    "matrix.Participant.token": "generated secret",
    "matrix.SessionItem.proposed_by": "copied from Participant.organisation (filled) by matrix.services",
    "matrix.SessionEvent.kind": "set by matrix.services",
    "matrix.SessionEvent.actor": "derived from Participant.name/organisation (filled)",
    "matrix.SessionEvent.data": "derived from the session item fields (filled)",
    "execution.Review.snapshot": "derived from Action/Target fields (filled), shown on the review page",
    "execution.PartnerLinkUse.status": "a status value, checked by action_update",
    "execution.PartnerLinkUse.text": "log of the partner's update; the same text goes into Action.last_update (filled)",
    "plans.PlanExport.content_hash": "generated",
    "plans.PlanExport.task_id": "generated",
    "plans.PlanExport.error": "written by the renderer",
    "plans.FrozenValue.missing_reason": "copied from IndicatorValue.missing_reason on adoption (public page covers it)",
    "plans.FrozenValue.source": "copied from IndicatorValue.source on adoption (public page covers it)",
    "plans.FigureCitation.frozen_missing_reason": "copied from IndicatorValue on adoption",
    "plans.FigureCitation.frozen_source": "copied from IndicatorValue.source on adoption (public page covers it)",
    "wijkdata.NeighbourhoodBoundary.geometry": "GeoJSON numbers, checked by the importer",
    "wijkdata.NeighbourhoodBoundary.source": "not shown on any page",
    "wijkdata.ImportBatch.original_name": "upload record, import pages only (not part of a plan)",
    "wijkdata.ImportBatch.sheet": "upload record, import pages only",
    "wijkdata.ImportBatch.source": "upload record, import pages only",
    "wijkdata.ImportBatch.report": "written by the importer",
    "wijkdata.ImportBatch.error": "written by the importer",
    "auth.User.username": "validated: letters, digits and @/./+/-/_",
    "auth.User.password": "a hash",
    "auth.User.email": "EmailField: validated",
}

APPS = ("plans", "matrix", "execution", "wijkdata")


def text_fields() -> set[str]:
    """Every field a person could type text into, from the models' _meta."""
    found = set()
    for model in [*(m for app in APPS for m in apps.get_app_config(app).get_models()), get_user_model()]:
        for f in model._meta.get_fields():
            if not isinstance(f, models.CharField | models.TextField | models.JSONField):
                continue
            if f.choices:  # only one of the fixed values can be stored
                continue
            found.add(f"{model._meta.label}.{f.name}")
    return found


def test_every_text_field_is_covered():
    found = text_fields()
    missing = found - set(FIELDS) - set(NOT_FILLED)
    assert not missing, f"new text fields: add them to FIELDS (and fill them) or NOT_FILLED: {sorted(missing)}"
    stale = (set(FIELDS) | set(NOT_FILLED)) - found
    assert not stale, f"these fields no longer exist: {sorted(stale)}"
    assert not set(FIELDS) & set(NOT_FILLED)


# --- what an inert page looks like ---------------------------------------------------------

_OUR_HOSTS = {"", urlsplit(BASE_URL).netloc, "testserver"}
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset", "background"}


def _bad_url(value: str) -> bool:
    squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
    return squeezed.startswith(("javascript:", "vbscript:", "data:text"))


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


class Inspector(HTMLParser):
    """Collects the text a reader sees and every executable construct."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.problems: list[str] = []
        self.stack: list[str] = []
        self.json_script = False
        self.import_map = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source", "col", "area", "wbr"):
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def _check(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            src = attrs.get("src") or ""
            self.json_script = attrs.get("type") == "application/json"
            self.import_map = attrs.get("type") == "importmap"
            if attrs.get("type") not in ("application/json", "importmap") and not src.startswith("/static/"):
                self.problems.append(f"<script {attrs}>")
        if tag in ("iframe", "object", "embed", "base"):
            self.problems.append(f"<{tag}>")
        if tag == "img" and not (attrs.get("src") or "").startswith(("/static/", "/media/", "data:image/")):
            self.problems.append(f"<img {attrs}>")
        if tag in ("link", "source", "video", "audio") and any(
            urlsplit(attrs.get(name) or "").netloc not in _OUR_HOSTS for name in ("href", "src")
        ):
            self.problems.append(f"<{tag} {attrs}>")  # something loaded from elsewhere
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta refresh>")
        if tag == "input" and attrs.get("type") not in ("hidden", "checkbox", "radio"):
            self.text.append(attrs.get("value") or "")  # what an edit form shows
        for name, value in attrs.items():
            value = value or ""
            if name.startswith("on") and not (tag == "select" and value == "this.form.submit()"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in _URL_ATTRIBUTES and _bad_url(value):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style" and "url(" in value.lower():
                self.problems.append(f"<{tag} style={value!r}>")

    def handle_data(self, data):
        inside = self.stack[-1] if self.stack else ""
        if inside == "style" and ("evil.example" in data or "@import" in data):
            self.problems.append(f"<style>{data[:120]}")
        if inside == "script" and self.json_script:
            # json_script data (plotly figures): plotly draws a few HTML tags in labels,
            # so user text in it must arrive escaped; our own line breaks are <br>.
            for text in _strings(json.loads(data)):
                if re.search(r"<(?!br>|/?extra>)[a-z/!]", text, re.IGNORECASE):
                    self.problems.append(f"json <script>: {text[:120]}")
        elif inside == "script" and self.import_map:
            # The rich-text editor's import map (django-prose-editor): only our own files.
            targets = list(_strings(json.loads(data)))
            if not targets or not all(t.startswith("/static/") for t in targets):
                self.problems.append(f"importmap: {data[:120]}")
        elif inside == "script" and data.strip():
            self.problems.append(f"<script>{data[:120]}")
        if inside not in ("script", "style"):
            self.text.append(data)


def inspect(html: str) -> tuple[str, list[str]]:
    parser = Inspector()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.text).split()), parser.problems


# --- filling every field through the services -----------------------------------------------


@dataclass
class Filled:
    payload: str
    values: dict[str, str] = field(default_factory=dict)
    number: int = 0

    def __call__(self, label: str) -> str:
        """The text to write into `label`: a marker of its own and the payload, cut to
        the field's length."""
        app, model, name = label.split(".")
        max_length = apps.get_model(app, model)._meta.get_field(name).max_length or 10_000
        self.number += 1
        marker = f"Q{self.number:03d}Q"
        text = f"<p>{marker}</p>{self.payload}" if self.payload.startswith("</p>") else f"{marker} {self.payload}"
        text = text[:max_length].strip()
        self.values[label] = text
        return text

    def visible(self, label: str) -> str:
        """What a reader must still see of it."""
        text = self.values[label]
        if text.startswith("<p>"):
            return text[3:8]  # the marker: the rest was editor HTML and is sanitised away
        return " ".join(text.split())


SECTIONS = [
    ("text", "Het verhaal", "Tekst."),
    ("figures", "Cijfers"),
    ("cards", "Kaarten"),
    ("matrix", "Matrix"),
    ("focus", "Focus"),
    ("interventions", "Interventies"),
    ("activities", "Activiteiten"),
    ("goals", "Doelen"),
    ("survey", "Enquête"),
    ("timeline", "Tijdlijn"),
]

FIGURES = (
    "Codering;Naam;Aantal inwoners;Eenzaam;Moeite met rondkomen\n"
    "GM9999;Teststad;100000;40,0;12,0\n"
    "WK999901;Centrum;10000;50,0;11,5\n"
    "BU99990101;Oude kern;4000;55,0;.\n"
    "BU99990102;Haven;6000;46,0;20,0\n"
)


def _save(obj, plan: Plan, **fields):
    """What the admin does for rows without a service of their own: save and raise the plan's
    revision in one transaction (plans.admin.PlanContentAdmin)."""
    with transaction.atomic():
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.full_clean()
        obj.save()
        services.plan_touch(plan=plan)


def build(fill: Filled) -> dict:
    """A plan with one of everything, every text field filled with the payload."""
    from wijkdata.models import Indicator, IndicatorValue, Neighbourhood
    from wijkdata.services import indicators_import

    people = People.create(sections=SECTIONS, themes=["Gezond leven"])
    plan, area, org = people.plan, people.area, people.organisation
    sections = {s.kind: s for s in plan.sections.all()}
    sec = lambda kind: plan.sections.get(pk=sections[kind].pk)  # noqa: E731 - fresh revision each time
    User = get_user_model()
    names = {"first_name": fill("auth.User.first_name"), "last_name": fill("auth.User.last_name")}
    User.objects.filter(pk__in=[people.coordinator.pk, people.manager.pk]).update(**names)

    # Organisation, area, themes and templates (organisation settings; admin for the rest).
    for name in ("name", "municipality_name", "phone", "postal_address"):
        _save(org, plan, **{name: fill(f"plans.Organisation.{name}")})
    _save(area, plan, name=fill("plans.Area.name"), description=fill("plans.Area.description"))
    theme = services.theme_add(organisation=org, name=fill("plans.Theme.name"), description=fill("plans.Theme.description"))
    template = services.template_create(
        organisation=org, name=fill("plans.PlanTemplate.name"), document_type=fill("plans.PlanTemplate.document_type")
    )
    services.template_section_save(
        template=template, kind="cards", heading=fill("plans.TemplateSection.heading"),
        contents_label=fill("plans.TemplateSection.contents_label"), intro=fill("plans.TemplateSection.intro"),
        card_kinds=fill("plans.TemplateSection.card_kinds"),
    )

    # The plan's own fields and themes.
    plan_fields = [
        "document_type", "title", "tagline", "publisher", "publisher_address", "publisher_phone", "authors",
        "design", "photography", "copyright", "colophon_text",
    ]
    _save(
        plan, plan, contributing_organisations=[fill("plans.Plan.contributing_organisations")],
        **{name: fill(f"plans.Plan.{name}") for name in plan_fields},
    )
    plan_theme = plan.themes.get()
    services.plan_theme_update(
        theme=plan_theme, name=fill("plans.PlanTheme.name"), description=fill("plans.PlanTheme.description"),
        is_focus=True,
    )

    # Sections and their items.
    text = sec("text")
    services.section_update(
        section=text, heading=fill("plans.Section.heading"), contents_label=fill("plans.Section.contents_label"),
        intro=fill("plans.Section.intro"),
    )
    cards = sec("cards")
    kind = cards.card_kinds.first()
    services.content_update(item=kind, name=fill("plans.CardKind.name"))
    services.card_add(section=sec("cards"), kind=kind, theme=plan_theme, text=fill("plans.Card.text"))
    topics = services.section_add(plan=plan, kind="cards", heading="Factoren", card_rows="topics")
    topic_kind = services.content_add(CardKind, section=topics, name="Factor")
    topic = services.content_add(CardTopic, section=plan.sections.get(pk=topics.pk), name=fill("plans.CardTopic.name"))
    services.card_add(section=plan.sections.get(pk=topics.pk), kind=topic_kind, topic=topic, text="Een factor.")

    services.content_add(
        MatrixItem, section=sec("matrix"), title=fill("matrix.MatrixItem.title"), text=fill("matrix.MatrixItem.text"),
        impact="high", effort="little", proposed_by=fill("matrix.MatrixItem.proposed_by"),
    )
    point = services.content_add(
        FocusPoint, section=sec("focus"), group=fill("plans.FocusPoint.group"), title=fill("plans.FocusPoint.title"),
        statement=fill("plans.FocusPoint.statement"), quantitative=fill("plans.FocusPoint.quantitative"),
        qualitative=fill("plans.FocusPoint.qualitative"),
    )
    services.content_add(
        Milestone, section=sec("timeline"), period_label=fill("plans.Milestone.period_label"),
        text=fill("plans.Milestone.text"),
    )
    chain = ["title", "problem", "target_groups", "approach", "direct_results", "medium_results", "long_term"]
    intervention = services.content_add(
        Intervention, section=sec("interventions"), **{n: fill(f"plans.Intervention.{n}") for n in chain}
    )
    _save(InterventionPartner(intervention=intervention), plan, name=fill("plans.InterventionPartner.name"), is_lead=True)
    activity = services.content_add(
        Activity, section=sec("activities"), title=fill("plans.Activity.title"), theme=plan_theme,
        target_group=fill("plans.Activity.target_group"), aim=fill("plans.Activity.aim"),
        partners=fill("plans.Activity.partners"),
    )
    _save(ActivityType(activity=activity), plan, type="new")
    goal = services.content_add(
        Goal, section=sec("goals"), title=fill("plans.Goal.title"), description=fill("plans.Goal.description")
    )
    question = services.content_add(SurveyQuestion, section=sec("survey"), question=fill("plans.SurveyQuestion.question"), respondents=10)
    _save(SurveyAnswer(question=question, count=7), plan, label=fill("plans.SurveyAnswer.label"))

    # Figures: imported, then named by staff (the admin); a table and a citation show them.
    indicators_import(data=FIGURES.encode(), file_name="test.csv", year=2024, source="Testbron")
    centrum = Neighbourhood.objects.get(code="WK999901", year=2024)
    area.neighbourhoods.add(centrum)
    Neighbourhood.objects.filter(code="BU99990101").update(name=fill("wijkdata.Neighbourhood.name"))
    lonely = Indicator.objects.get(name="Eenzaam")
    Indicator.objects.filter(pk=lonely.pk).update(
        name=fill("wijkdata.Indicator.name"), unit=fill("wijkdata.Indicator.unit"),
        description=fill("wijkdata.Indicator.description"), source_column=fill("wijkdata.Indicator.source_column"),
    )
    poor = Indicator.objects.get(name="Moeite met rondkomen")
    IndicatorValue.objects.filter(indicator=lonely).update(source=fill("wijkdata.IndicatorValue.source"))
    IndicatorValue.objects.filter(indicator=poor, value=None).update(
        missing_reason=fill("wijkdata.IndicatorValue.missing_reason")
    )
    buurten = list(Neighbourhood.objects.filter(level="neighbourhood").order_by("code").values_list("pk", flat=True))
    table = services.figure_table_save(
        section=sec("figures"), heading=fill("plans.FigureTable.heading"), layout="indicator_rows", year=2024,
        indicator_ids=[lonely.pk, poor.pk], neighbourhood_ids=[centrum.pk, *buurten],
        footnote=fill("plans.FigureTable.footnote"),
    )
    services.content_update(
        item=table.indicator_rows.get(indicator=poor), label=fill("plans.FigureTableIndicator.label"),
        group=fill("plans.FigureTableIndicator.group"),
    )
    services.content_update(
        item=table.neighbourhood_rows.get(neighbourhood_id=buurten[1]),
        label=fill("plans.FigureTableNeighbourhood.label"),
    )
    services.citation_add(owner=FocusPoint.objects.get(pk=point.pk), indicator=lonely, neighbourhood=centrum, year=2024)
    _save(GoalIndicator(goal=goal), plan, indicator=lonely)

    # A design session on the matrix section.
    session = matrix_services.session_start(section=sec("matrix"), user=people.facilitator, title=fill("matrix.DesignSession.title"))
    participant = matrix_services.session_join(
        session=session, name=fill("matrix.Participant.name"), organisation=fill("matrix.Participant.organisation")
    )
    matrix_services.item_add(
        session=session, participant=participant, title=fill("matrix.SessionItem.title"), text=fill("matrix.SessionItem.text")
    )

    # Execution: a plan with an action, a target, a review and a partner's update.
    ep = execution_services.execution_plan_create(
        plan=plan, title=fill("execution.ExecutionPlan.title"), focus_point=point,
        **{n: fill(f"execution.ExecutionPlan.{n}") for n in ("urgency", "reach", "feasibility", "lead", "work_group")},
    )
    execution_services.budget_line_add(
        execution_plan=ep, year=2026, source=fill("execution.BudgetLine.source"), note=fill("execution.BudgetLine.note"),
    )
    action = execution_services.action_add(
        execution_plan=ep, title=fill("execution.Action.title"), owner=fill("execution.Action.owner"),
        notes=fill("execution.Action.notes"), status="running",
    )
    execution_services.target_add(execution_plan=ep, statement=fill("execution.Target.statement"), indicator=lonely, neighbourhood=centrum)
    fill.values["execution.PartnerLink.owner"] = action.owner
    link, token = execution_services.partner_link_create(execution_plan=ep, owner=action.owner)
    execution_services.partner_link_use(
        link=link, action_id=action.pk, status="running", update=fill("execution.Action.last_update"), ip="127.0.0.1"
    )
    execution_services.review_save(
        execution_plan=ep, year=2026, quarter=1, complete=True,
        **{n: fill(f"execution.Review.{n}") for n in ("plan_notes", "do_notes", "check_notes", "act_notes", "next_quarter")},
    )
    return {
        "people": people, "plan": plan, "ep": ep, "session": session, "participant": participant, "token": token,
        "template": template, "theme": theme, "text": text,
    }


def _fetched_pdf(html: str) -> list[str]:
    """Lay the HTML out with WeasyPrint and return every URL its fetcher was asked for."""
    asked: list[str] = []
    original = pdf_render.SafeURLFetcher.fetch

    def recording(self, url, headers=None):
        asked.append(url)
        return original(self, url, headers)

    pdf_render.SafeURLFetcher.fetch = recording
    try:
        pdf_render.render_pdf(html)
    finally:
        pdf_render.SafeURLFetcher.fetch = original
    return asked


def _get(client, user, url, cookies=None) -> str:
    client.logout()
    if user is not None:
        client.force_login(user)
    for name, value in (cookies or {}).items():
        client.cookies[name] = value
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("payload_name", PAYLOADS)
def test_every_text_field_is_inert_everywhere_and_still_readable(client, payload_name):
    fill = Filled(PAYLOADS[payload_name])
    built = build(fill)
    people, plan, ep, session = built["people"], built["plan"], built["ep"], built["session"]
    coordinator = people.coordinator

    pages: dict[str, str] = {}
    pages["page"] = _get(client, people.manager, plan.get_absolute_url())
    pages["execution"] = _get(client, coordinator, reverse("execution:execution_detail", args=[plan.code, ep.code]))
    pages["execution_list"] = _get(client, coordinator, reverse("execution:execution_list", args=[plan.code]))
    pages["execution_overview"] = _get(client, coordinator, reverse("execution:execution_overview", args=[plan.code]))
    pages["review"] = _get(client, coordinator, reverse("execution:review_detail", args=[plan.code, ep.code, 2026, 1]))
    pages["partner"] = _get(client, None, reverse("execution:partner_page", args=[built["token"]]))
    pages["presenter"] = _get(client, people.facilitator, reverse("matrix:presenter", args=[session.code]))
    pages["record"] = _get(client, people.facilitator, reverse("matrix:record", args=[session.code]))
    signed = signing.get_cookie_signer(salt=cookie_name(session) + cookie_salt(session)).sign(
        built["participant"].token
    )
    pages["participant"] = _get(
        client, None, reverse("matrix:participant", args=[session.code]), {cookie_name(session): signed}
    )
    client.cookies.clear()
    pages["settings"] = _get(client, coordinator, reverse("plans:organisation_settings", args=[people.organisation.code]))
    pages["area_data"] = _get(client, coordinator, reverse("wijkdata:area_data", args=[people.area.code]))
    pages["edit"] = _get(client, coordinator, reverse("plans:plan_edit", args=[plan.code]))
    pages["figures"] = _get(client, coordinator, reverse("plans:plan_figures", args=[plan.code]))
    for section in plan.sections.all():
        pages[f"section {section.kind} {section.pk}"] = _get(
            client, coordinator, reverse("plans:section_edit", args=[plan.code, section.code])
        )
    html = pdf_render.plan_html(Plan.objects.select_related("area__organisation").get(pk=plan.pk))
    pages["pdf"] = html
    asked = _fetched_pdf(html)
    assert asked, "the PDF reads at least our stylesheet and font"
    outside = [u for u in asked if not u.startswith((BASE_URL + "static/", BASE_URL + "media/", "data:"))]
    assert not outside, f"WeasyPrint was asked for {outside}"

    # Review (a note), a reviewer's comment, adoption (a note), publication.
    plan.refresh_from_db()
    services.plan_status_change(plan=plan, new_status="review", user=coordinator, note=fill("plans.PlanStatusChange.note"))
    services.comment_add(section=built["text"], user=people.manager, text=fill("plans.SectionComment.text"))
    pages["comments"] = _get(client, coordinator, reverse("plans:plan_comments", args=[plan.code]))
    # The workflow notes are listed on the edit page while the plan can still move on.
    pages["edit review"] = _get(client, coordinator, reverse("plans:plan_edit", args=[plan.code]))
    services.plan_status_change(plan=plan, new_status="adopted", user=coordinator, note="Vastgesteld.")
    plan.refresh_from_db()
    services.plan_publish(plan=plan, public=True)
    plan.refresh_from_db()
    pages["edit adopted"] = _get(client, coordinator, reverse("plans:plan_edit", args=[plan.code]))
    pages["public pdf status"] = _get(client, coordinator, reverse("plans:plan_pdf", args=[plan.code]))
    pages["history"] = _get(client, coordinator, reverse("plans:plan_history", args=[plan.code]))
    pages["public"] = _get(client, None, reverse("plans:plan_public", args=[plan.public_code]))
    adopted_html = pdf_render.plan_html(Plan.objects.select_related("area__organisation").get(pk=plan.pk))
    pages["pdf adopted"] = adopted_html

    assert set(fill.values) == set(FIELDS), "build() must fill exactly the fields of FIELDS"
    texts = {}
    for name, body in pages.items():
        text, problems = inspect(body)
        assert not problems, (payload_name, name, problems[:5])
        texts[name] = text
    texts["pdf"] = texts["pdf"] + " " + texts["pdf adopted"]
    texts["edit"] = " ".join(texts[name] for name in ("edit", "edit review", "edit adopted"))

    unseen = [
        (label, surface)
        for label, surfaces in FIELDS.items()
        for surface in surfaces
        if fill.visible(label) not in texts[surface]
    ]
    assert not unseen, f"{payload_name}: not visible: " + ", ".join(f"{label} on {surface}" for label, surface in sorted(unseen))
