"""Load the two Farent plans (shared/seeds 000 and 001) as demo content.

The content lives in fixtures/demo/*.toml, word for word from the seeds. Loading is
idempotent: a second run leaves exactly the same content (child rows are replaced).
"""

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from matrix.models import MatrixItem
from wijkdata.models import Indicator, IndicatorValue, Neighbourhood

from .models import (
    Area,
    FigureTable,
    FigureTableIndicator,
    FigureTableNeighbourhood,
    FocusPoint,
    Membership,
    Milestone,
    Organisation,
    Plan,
    StrengthOpportunity,
    Theme,
)

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
PLAN_FILES = ["000_binnenstad_spoorzone.toml", "001_stedelijk.toml"]
DEMO_PASSWORD = "gebiedsplan-demo"


@dataclass
class DemoResult:
    organisation: Organisation
    plans: list[Plan] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    @property
    def binnenstad(self) -> Plan:
        return self.plans[0]

    @property
    def stedelijk(self) -> Plan:
        return self.plans[1]


def parse_figure(raw: str) -> Decimal:
    """A figure as the seeds print it ("76,1", "74%", "6960") as a number."""
    return Decimal(raw.strip().rstrip("%").replace(".", "").replace(",", "."))


def _read(name: str) -> dict:
    with (DEMO_DIR / name).open("rb") as fh:
        return tomllib.load(fh)


@transaction.atomic
def load_demo() -> DemoResult:
    common = _read("common.toml")
    org_data = common["organisation"]
    organisation, _ = Organisation.objects.update_or_create(
        name=org_data["name"],
        defaults={
            key: org_data[key]
            for key in ("municipality_name", "municipality_code", "colour", "phone", "website")
        },
    )
    themes = {}
    for order, name in enumerate(org_data["themes"]):
        themes[name], _ = Theme.objects.update_or_create(
            organisation=organisation, name=name, defaults={"order": order}
        )

    figures = common["figures"]
    year, source = figures["year"], figures["source"]
    indicators = {}
    for order, (code, name, kind, direction, category) in enumerate(figures["indicators"]):
        indicators[code], _ = Indicator.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "direction": direction,
                "category": category,
                "order": order,
            },
        )
    neighbourhoods: dict[str, Neighbourhood] = {}
    for code, level, name, parent in figures["neighbourhoods"]:
        neighbourhoods[code], _ = Neighbourhood.objects.update_or_create(
            code=code,
            year=year,
            defaults={"level": level, "name": name, "parent": neighbourhoods.get(parent)},
        )

    result = DemoResult(organisation=organisation)
    User = get_user_model()
    users = []
    for spec in common["users"]:
        user, created = User.objects.get_or_create(
            username=spec["username"],
            defaults={"first_name": spec["first_name"], "last_name": spec["last_name"]},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users.append((user, spec["role"]))
        result.logins.append((spec["username"], spec["role"]))
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    result.logins.append(("admin", "admin"))

    for filename in PLAN_FILES:
        data = _read(filename)
        plan = _load_plan(data, organisation, themes, indicators, neighbourhoods, year, source)
        for user, role in users:
            Membership.objects.update_or_create(area=plan.area, user=user, defaults={"role": role})
        result.plans.append(plan)
    return result


def _load_plan(data, organisation, themes, indicators, neighbourhoods, year, source) -> Plan:
    area, _ = Area.objects.get_or_create(organisation=organisation, name=data["area"]["name"])
    area.neighbourhoods.set([neighbourhoods[code] for code in data["area"]["neighbourhoods"]])

    fields = {key: value.strip() if isinstance(value, str) else value for key, value in data["plan"].items()}
    plan_year = fields.pop("year")
    plan, _ = Plan.objects.update_or_create(area=area, year=plan_year, defaults=fields)

    # Replace the children so that a second load leaves the same content.
    plan.figure_tables.all().delete()
    plan.strengths_opportunities.all().delete()
    plan.matrix_items.all().delete()
    plan.focus_points.all().delete()
    plan.milestones.all().delete()

    for order, spec in enumerate(data["tables"]):
        _load_table(plan, order, spec, indicators, neighbourhoods, year, source)

    cards = []
    for spec in data["cards"]:
        for kind, key in ((StrengthOpportunity.Kind.STRENGTH, "strengths"), (StrengthOpportunity.Kind.OPPORTUNITY, "opportunities")):
            for order, text in enumerate(spec[key]):
                cards.append(StrengthOpportunity(plan=plan, theme=themes[spec["theme"]], kind=kind, text=text, order=order))
    StrengthOpportunity.objects.bulk_create(cards)

    MatrixItem.objects.bulk_create(
        MatrixItem(plan=plan, impact=impact, effort=effort, title=title, text=text, order=order)
        for order, (impact, effort, title, text) in enumerate(data["matrix"]["items"])
    )
    FocusPoint.objects.bulk_create(
        FocusPoint(
            plan=plan,
            order=order,
            group=spec.get("group", ""),
            title=spec["title"],
            statement=spec.get("statement", ""),
            quantitative=spec.get("quantitative", ""),
            qualitative=spec.get("qualitative", ""),
        )
        for order, spec in enumerate(data["focus"])
    )
    Milestone.objects.bulk_create(
        Milestone(plan=plan, order=order, period_label=spec["period"], text="\n".join(spec["lines"]))
        for order, spec in enumerate(data["milestones"])
    )
    return plan


def _load_table(plan, order, spec, indicators, neighbourhoods, year, source) -> None:
    table = FigureTable.objects.create(
        plan=plan, heading=spec["heading"], layout=spec["layout"], year=year, order=order
    )
    labels = spec.get("labels", [])
    if spec["layout"] == FigureTable.Layout.INDICATOR_ROWS:
        column_codes = spec["columns"]
        row_codes = [row[0] for row in spec["rows"]]
        cells = [
            (row[0], column, raw)
            for row in spec["rows"]
            for column, raw in zip(column_codes, row[1:], strict=True)
        ]
        table_indicators, table_neighbourhoods = row_codes, column_codes
        cells = [(nb, ind, raw) for ind, nb, raw in cells]
    else:
        table_indicators = spec["columns"]
        table_neighbourhoods = [row[0] for row in spec["rows"]]
        cells = [
            (row[0], indicator, raw)
            for row in spec["rows"]
            for indicator, raw in zip(table_indicators, row[1:], strict=True)
        ]
    FigureTableIndicator.objects.bulk_create(
        FigureTableIndicator(table=table, indicator=indicators[code], order=i)
        for i, code in enumerate(table_indicators)
    )
    FigureTableNeighbourhood.objects.bulk_create(
        FigureTableNeighbourhood(
            table=table,
            neighbourhood=neighbourhoods[code],
            order=i,
            label=labels[i] if i < len(labels) else "",
        )
        for i, code in enumerate(table_neighbourhoods)
    )
    for nb_code, indicator_code, raw in cells:
        IndicatorValue.objects.update_or_create(
            neighbourhood=neighbourhoods[nb_code],
            indicator=indicators[indicator_code],
            year=year,
            defaults={"value": parse_figure(raw), "missing_reason": "", "source": source},
        )
