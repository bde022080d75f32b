"""Demo content: two organisations with clearly different plan structures.

- Farent ('s-Hertogenbosch): the two real plans of shared/seeds 000 and 001, word for word,
  built from the "Gebiedsplan (Farent 2025)" template: figures, story, strengths and
  opportunities per theme, the impact/effort matrix, focus points, and "Tenslotte" with a
  timeline and two texts as sub-sections.
- Welzijn Eemland (Amersfoort, invented): a five-year "Wijkplan Sociaal 2026–2030" built
  from its own template with kernaanpakken instead of themes, factoren as free topics,
  goals with sub-goals tied to indicators, an activities table, one intervention as a
  chain of reasoning, survey results, a timeline and two appendices; no matrix and no
  focus points. Its figures are real (CBS Kerncijfers wijken en buurten 2024).

The content lives in fixtures/demo/*.toml. Loading is idempotent: a second run leaves
exactly the same content (sections and themes are rebuilt from the template), and the
plans keep their codes, so their addresses stay the same.
"""

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from matrix.models import MatrixItem
from wijkdata.models import Indicator, IndicatorValue, Neighbourhood

from .models import (
    Activity,
    ActivityType,
    Area,
    Card,
    CardTopic,
    FigureCitation,
    FigureTable,
    FigureTableIndicator,
    FigureTableNeighbourhood,
    FocusPoint,
    Goal,
    GoalIndicator,
    Intervention,
    InterventionPartner,
    Membership,
    Milestone,
    Organisation,
    Plan,
    PlanTemplate,
    Section,
    SectionKind,
    SurveyAnswer,
    SurveyQuestion,
    TemplateSection,
    Theme,
    contributors_rows,
)
from .richtext import markup_to_html
from .sanitize import to_clean_html
from .services import plan_build, plan_freeze_figures, plan_touch

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
FARENT_PLANS = ["000_binnenstad_spoorzone.toml", "001_stedelijk.toml"]
OTHER_ORGANISATIONS = ["010_eemland.toml"]
DEMO_PASSWORD = "gebiedsplan-demo"

# The row groups of a survey table, as the seeds print them.
KIND_GROUPS = {
    Indicator.Kind.SCORE: "Buurtscore (nee/nooit = 0 ja/zeker = 100)",
    Indicator.Kind.SCALE: "Schaalscore",
    Indicator.Kind.GRADE: "Rapportcijfer",
    Indicator.Kind.PERCENTAGE: "Percentages",
    Indicator.Kind.COUNT: "Aantallen",
}


@dataclass
class DemoResult:
    organisation: Organisation
    plans: list[Plan] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    others: list[Plan] = field(default_factory=list)

    @property
    def binnenstad(self) -> Plan:
        return self.plans[0]

    @property
    def stedelijk(self) -> Plan:
        return self.plans[1]

    @property
    def eemland(self) -> Plan:
        return self.others[0]


def parse_figure(raw: str) -> Decimal:
    """A figure as the seeds print it ("76,1", "74%", "6960") as a number."""
    return Decimal(raw.strip().rstrip("%").replace(".", "").replace(",", "."))


def _read(name: str) -> dict:
    with (DEMO_DIR / name).open("rb") as fh:
        return tomllib.load(fh)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


@dataclass
class Figures:
    year: int
    source: str
    indicators: dict[str, Indicator]
    neighbourhoods: dict[str, Neighbourhood]


# Other apps add their demo content to the loaded plans (execution adds execution plans),
# so plans never imports them: name -> function(result), called in load_demo's transaction.
EXTRAS: dict[str, Callable[[DemoResult], None]] = {}


def register_extra(name: str, loader: Callable[[DemoResult], None]) -> None:
    EXTRAS[name] = loader


@transaction.atomic
def load_demo() -> DemoResult:
    common = _read("common.toml")
    organisation, themes, template = _load_organisation(common)
    figures = _load_figures(common["figures"])
    result = DemoResult(organisation=organisation)
    users = _load_users(common, result)

    for filename in FARENT_PLANS:
        data = _read(filename)
        plan = _load_plan(data, organisation, template, figures, _farent_sections(data))
        result.plans.append(plan)
    for filename in OTHER_ORGANISATIONS:
        data = _read(filename)
        other, _themes, other_template = _load_organisation(data)
        other_figures = _load_figures(data["figures"], known=figures)
        plan = _load_plan(data, other, other_template, other_figures, data["sections"])
        result.others.append(plan)
    for plan in result.plans + result.others:
        for user, role in users:
            Membership.objects.update_or_create(area=plan.area, user=user, defaults={"role": role})
    for loader in EXTRAS.values():
        loader(result)
    for plan in result.plans + result.others:
        plan.refresh_from_db(fields=["revision", "updated"])  # the extras wrote through plan services
    return result


def _load_organisation(data: dict) -> tuple[Organisation, dict[str, Theme], PlanTemplate]:
    org_data = data["organisation"]
    fields = ("municipality_name", "municipality_code", "colour", "phone", "website", "email", "postal_address")
    organisation, _ = Organisation.objects.update_or_create(
        name=org_data["name"], defaults={key: org_data[key] for key in fields if key in org_data}
    )
    themes = {}
    for order, name in enumerate(org_data["themes"]):
        themes[name], _ = Theme.objects.update_or_create(
            organisation=organisation, name=name, defaults={"order": order, "retired": False}
        )
    spec = data["template"]
    template, _ = PlanTemplate.objects.update_or_create(
        organisation=organisation,
        name=spec["name"],
        defaults={"document_type": spec["document_type"], "years": spec.get("years", 1)},
    )
    template.sections.all().delete()

    def add(specs, parent=None):
        for order, s in enumerate(specs):
            section = TemplateSection.objects.create(
                template=template,
                parent=parent,
                order=order,
                kind=s["kind"],
                heading=s["heading"],
                contents_label=s.get("contents_label", ""),
                numbered=s.get("numbered", parent is None),
                appendix=s.get("appendix", False),
                intro=markup_to_html(_strip(s.get("intro", ""))),
                card_rows=s.get("card_rows", "themes"),
                card_kinds="\n".join(s.get("card_kinds", [])),
            )
            add(s.get("children", []), section)

    add(spec["sections"])
    return organisation, themes, template


def _load_figures(data: dict, known: Figures | None = None) -> Figures:
    year, source = data["year"], data["source"]
    indicators = dict(known.indicators) if known else {}
    for order, (code, name, kind, direction, category) in enumerate(data["indicators"]):
        # Public: the demo's figures are the municipality's published statistics.
        indicators[code], _ = Indicator.objects.update_or_create(
            code=code,
            owner=None,
            defaults={"name": name, "kind": kind, "direction": direction, "category": category, "order": order},
        )
    neighbourhoods: dict[str, Neighbourhood] = {}
    for code, level, name, parent in data["neighbourhoods"]:
        neighbourhoods[code], _ = Neighbourhood.objects.update_or_create(
            code=code, year=year, defaults={"level": level, "name": name, "parent": neighbourhoods.get(parent)}
        )
    return Figures(year=year, source=source, indicators=indicators, neighbourhoods=neighbourhoods)


def _load_users(common: dict, result: DemoResult) -> list:
    User = get_user_model()
    users = []
    for spec in common["users"]:
        user, created = User.objects.get_or_create(
            username=spec["username"], defaults={"first_name": spec["first_name"], "last_name": spec["last_name"]}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users.append((user, spec["role"]))
        result.logins.append((spec["username"], spec["role"]))
    admin, created = User.objects.get_or_create(username="admin", defaults={"is_staff": True, "is_superuser": True})
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    result.logins.append(("admin", "admin"))
    return users


def _farent_sections(data: dict) -> list[dict]:
    """The Farent layout files (one field per chapter, as the seeds are laid out) as the
    generic list of sections that every demo plan is loaded from."""
    plan = data["plan"]
    year = plan["year"]
    return [
        {"heading": plan["figures_title"], "tables": data["tables"]},
        {"heading": plan["story_title"], "intro": plan["story"]},
        {"heading": plan["strengths_title"], "intro": plan["strengths_intro"], "cards": [
            {"theme": c["theme"], "Kracht": c["strengths"], "Kans": c["opportunities"]} for c in data["cards"]
        ]},
        {"intro": plan["matrix_intro"], "matrix": data["matrix"]["items"]},
        {"heading": f"Focus {year} – een analyse", "intro": plan["focus_intro"], "focus": data["focus"]},
        {"intro": plan["closing_intro"], "children": [
            {"milestones": data["milestones"]},
            {"intro": plan["execution_text"]},
            {"intro": plan["advice_text"]},
        ]},
    ]


PLAN_SKIP = {
    "year", "figures_title", "story_title", "story", "strengths_title", "strengths_intro",
    "matrix_intro", "focus_intro", "closing_intro", "execution_text", "advice_text",
    "period_start", "period_end", "focus_themes",
}


def _load_plan(data, organisation, template, figures: Figures, sections: list[dict]) -> Plan:
    area, _ = Area.objects.get_or_create(organisation=organisation, name=data["area"]["name"])
    area.neighbourhoods.set([figures.neighbourhoods[code] for code in data["area"]["neighbourhoods"]])
    raw = data["plan"]
    start = raw.get("period_start", raw.get("year"))
    end = raw.get("period_end", start)
    fields = {key: _strip(value) for key, value in raw.items() if key not in PLAN_SKIP}
    if "colophon_text" in fields:
        fields["colophon_text"] = markup_to_html(fields["colophon_text"])
    fields.update(document_type=template.document_type, period_end=end, template=template)
    if "contributing_organisations" in fields:
        fields["contributing_organisations"] = contributors_rows(fields["contributing_organisations"])
    plan, _ = Plan.objects.update_or_create(area=area, document_type=template.document_type, period_start=start, defaults=fields)
    # Rebuild the content, so that a second load leaves the same plan.
    plan.cards.all().delete()
    plan.sections.all().delete()
    plan.themes.all().delete()
    plan_build(plan=plan, template=template)
    themes = {t.name: t for t in plan.themes.all()}
    top = list(plan.sections.filter(parent=None))
    if len(top) != len(sections):
        raise ValueError(f"{data['area']['name']}: {len(sections)} sections for a template of {len(top)}")
    for section, spec in zip(top, sections, strict=True):
        _fill(section, spec, figures, themes)
    focus = set(raw.get("focus_themes", []))
    plan.themes.filter(name__in=focus).update(is_focus=True)
    if plan.status == Plan.Status.ADOPTED:
        plan_freeze_figures(plan=plan)
    plan_touch(plan=plan)
    return plan


def _fill(section: Section, spec: dict, figures: Figures, themes: dict) -> None:
    changed = [name for name in ("heading", "contents_label", "intro") if name in spec]
    for name in changed:
        value = _strip(spec[name])
        setattr(section, name, markup_to_html(value) if name == "intro" else value)
    if changed:
        section.save(update_fields=changed)
    kind = section.kind
    if kind == SectionKind.FIGURES:
        for order, table in enumerate(spec.get("tables", [])):
            _load_table(section, order, table, figures)
    elif kind == SectionKind.CARDS:
        _load_cards(section, spec.get("cards", []), themes)
    elif kind == SectionKind.MATRIX:
        MatrixItem.objects.bulk_create(
            MatrixItem(section=section, impact=impact, effort=effort, title=title, text=text, order=order)
            for order, (impact, effort, title, text) in enumerate(spec.get("matrix", []))
        )
    elif kind == SectionKind.FOCUS:
        specs = spec.get("focus", [])
        points = FocusPoint.objects.bulk_create(
            FocusPoint(
                section=section, order=order, group=f.get("group", ""), title=f["title"],
                statement=f.get("statement", ""), quantitative=markup_to_html(f.get("quantitative", "")),
                qualitative=markup_to_html(f.get("qualitative", "")),
            )
            for order, f in enumerate(specs)
        )
        # The figures the text quotes, cited so the plan shows them with year and source.
        FigureCitation.objects.bulk_create(
            FigureCitation(
                section=section, focus_point=point, indicator=figures.indicators[indicator],
                neighbourhood=figures.neighbourhoods[region], year=figures.year, order=n,
            )
            for point, f in zip(points, specs, strict=True)
            for n, (indicator, region) in enumerate(f.get("cite", []))
        )
    elif kind == SectionKind.TIMELINE:
        Milestone.objects.bulk_create(
            Milestone(
                section=section, order=order, period_label=m["period"], period_kind=m.get("kind", "other"),
                text="\n".join(m["lines"]),
            )
            for order, m in enumerate(spec.get("milestones", []))
        )
    elif kind == SectionKind.GOALS:
        _load_goals(section, spec.get("goals", []), figures)
    elif kind == SectionKind.ACTIVITIES:
        for order, a in enumerate(spec.get("activities", [])):
            activity = Activity.objects.create(
                section=section, order=order, title=a["title"], theme=themes.get(a.get("theme", "")),
                target_group=a.get("target_group", ""), aim=a.get("aim", ""), partners=a.get("partners", ""),
            )
            ActivityType.objects.bulk_create(ActivityType(activity=activity, type=t) for t in a["types"])
    elif kind == SectionKind.INTERVENTIONS:
        for order, i in enumerate(spec.get("interventions", [])):
            chain = {name: _strip(i.get(name, "")) for name, _label in Intervention.CHAIN}
            intervention = Intervention.objects.create(section=section, order=order, title=i["title"], **chain)
            intervention.themes.set([themes[name] for name in i.get("themes", [])])
            InterventionPartner.objects.bulk_create(
                InterventionPartner(intervention=intervention, name=name, is_lead=name == i.get("lead"), order=n)
                for n, name in enumerate(i.get("partners", []))
            )
    elif kind == SectionKind.SURVEY:
        for order, q in enumerate(spec.get("questions", [])):
            question = SurveyQuestion.objects.create(
                section=section, order=order, question=q["question"], respondents=q.get("respondents")
            )
            SurveyAnswer.objects.bulk_create(
                SurveyAnswer(question=question, label=label, count=count, order=n)
                for n, (label, count) in enumerate(q["answers"])
            )
    children = list(section.children.all())
    child_specs = spec.get("children", [])
    if len(children) != len(child_specs):
        raise ValueError(f"{section.heading}: {len(child_specs)} sub-sections for a template of {len(children)}")
    for child, child_spec in zip(children, child_specs, strict=True):
        _fill(child, child_spec, figures, themes)


def _load_cards(section: Section, specs: list[dict], themes: dict) -> None:
    kinds = {kind.name: kind for kind in section.card_kinds.all()}
    cards = []
    for n, spec in enumerate(specs):
        theme = topic = None
        if "theme" in spec:
            theme = themes[spec["theme"]]
        else:
            topic = CardTopic.objects.create(section=section, name=spec["topic"], order=n)
        for kind_name, kind in kinds.items():
            for order, text in enumerate(spec.get(kind_name, [])):
                cards.append(
                    Card(plan_id=section.plan_id, section=section, kind=kind, theme=theme, topic=topic,
                         text=to_clean_html(text), order=order)
                )
    Card.objects.bulk_create(cards)


def _load_goals(section: Section, specs: list[dict], figures: Figures, parent: Goal | None = None) -> None:
    for order, spec in enumerate(specs):
        goal = Goal.objects.create(
            section=section, parent=parent, order=order, title=spec["title"], description=_strip(spec.get("description", ""))
        )
        GoalIndicator.objects.bulk_create(
            GoalIndicator(goal=goal, indicator=figures.indicators[code], order=n)
            for n, code in enumerate(spec.get("indicators", []))
        )
        _load_goals(section, spec.get("subgoals", []), figures, goal)


def _load_table(section: Section, order: int, spec: dict, figures: Figures) -> None:
    year, source = figures.year, figures.source
    table = FigureTable.objects.create(
        section=section, heading=spec["heading"], layout=spec["layout"], year=year, order=order,
        footnote=spec.get("footnote", ""),
    )
    labels = spec.get("labels", [])
    if spec["layout"] == FigureTable.Layout.INDICATOR_ROWS:
        column_codes = spec["columns"]
        table_indicators = [row[0] for row in spec["rows"]]
        table_neighbourhoods = column_codes
        cells = [
            (column, row[0], raw)
            for row in spec["rows"]
            for column, raw in zip(column_codes, row[1:], strict=True)
        ]
    else:
        table_indicators = spec["columns"]
        table_neighbourhoods = [row[0] for row in spec["rows"]]
        cells = [
            (row[0], indicator, raw)
            for row in spec["rows"]
            for indicator, raw in zip(table_indicators, row[1:], strict=True)
        ]
    rows, previous = [], None
    for i, code in enumerate(table_indicators):
        kind = figures.indicators[code].kind
        group = KIND_GROUPS[kind] if spec["layout"] == FigureTable.Layout.INDICATOR_ROWS and kind != previous else ""
        previous = kind
        rows.append(FigureTableIndicator(table=table, indicator=figures.indicators[code], order=i, group=group))
    FigureTableIndicator.objects.bulk_create(rows)
    FigureTableNeighbourhood.objects.bulk_create(
        FigureTableNeighbourhood(
            table=table, neighbourhood=figures.neighbourhoods[code], order=i,
            label=labels[i] if i < len(labels) else "",
        )
        for i, code in enumerate(table_neighbourhoods)
    )
    for nb_code, indicator_code, raw in cells:
        IndicatorValue.objects.update_or_create(
            neighbourhood=figures.neighbourhoods[nb_code],
            indicator=figures.indicators[indicator_code],
            year=year,
            owner=None,
            defaults={"value": parse_figure(raw), "missing_reason": "", "source": source},
        )
