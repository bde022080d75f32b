"""Every change to a plan is kept: django-reversion stores a snapshot of the whole plan (the
plan row, its themes and every section with everything in it, followed through the
registrations below) in one revision per save, with who and when.

`plan_touch` (plans.services) adds the plan to the current revision, so every service
that writes a plan records it; a request's revision (RevisionMiddleware) carries the user.
This module reads the history: the revisions of a plan, and what changed per section.
"""

import difflib
from dataclasses import dataclass, field

import reversion
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from reversion.models import Version

from matrix.models import MatrixItem

from .models import (
    Activity,
    ActivityType,
    Card,
    CardKind,
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
    Milestone,
    Plan,
    PlanTheme,
    Section,
    SurveyAnswer,
    SurveyQuestion,
    contributors_rows,
)

# Everything a plan holds, in an order in which a restore can save it (parents first),
# with the lookup that finds a plan's rows.
CONTENT = [
    (PlanTheme, "plan"),
    (Section, "plan"),
    (CardKind, "section__plan"),
    (CardTopic, "section__plan"),
    (Card, "plan"),
    (FigureTable, "section__plan"),
    (FigureTableIndicator, "table__section__plan"),
    (FigureTableNeighbourhood, "table__section__plan"),
    (MatrixItem, "section__plan"),
    (FocusPoint, "section__plan"),
    (Milestone, "section__plan"),
    (Intervention, "section__plan"),
    (InterventionPartner, "intervention__section__plan"),
    (Activity, "section__plan"),
    (ActivityType, "activity__section__plan"),
    (Goal, "section__plan"),
    (GoalIndicator, "goal__section__plan"),
    (FigureCitation, "section__plan"),
    (SurveyQuestion, "section__plan"),
    (SurveyAnswer, "question__section__plan"),
]


def register_content(model, lookup: str) -> None:
    """Let another app (e.g. execution) keep its rows of a plan in the plan's history."""
    if (model, lookup) not in CONTENT:
        CONTENT.append((model, lookup))
        if not reversion.is_registered(model):
            reversion.register(model)


def register() -> None:
    """Register the plan and everything in it (called once, from the app config).

    Nothing is excluded: a restore saves whole rows, and the revision counters are set
    right again afterwards (plans.services), so they only ever go up. Relations are not
    followed one object at a time: `record` reads each table once.
    """
    if reversion.is_registered(Plan):
        return
    reversion.register(Plan)
    for model, _lookup in CONTENT:
        reversion.register(model)


STR_RELATED = {
    Card: ["kind"],
    FigureTableIndicator: ["indicator"],
    FigureTableNeighbourhood: ["neighbourhood"],
}


def plan_rows(plan: Plan) -> list:
    """The plan and every row it holds, one query per table whatever the plan's size."""
    rows = [plan]
    for model, lookup in CONTENT:
        queryset = model.objects.filter(**{lookup: plan})
        if model in STR_RELATED:  # what the row's __str__ reads (reversion stores it)
            queryset = queryset.select_related(*STR_RELATED[model])
        if model is Intervention:
            queryset = queryset.prefetch_related("themes")
        rows.extend(queryset)
    return rows


def record(plan: Plan, comment: str = "") -> None:
    """Add the whole plan to the revision being made (one is opened if there is none)."""
    with reversion.create_revision(atomic=False):
        for row in plan_rows(Plan.objects.get(pk=plan.pk)):
            reversion.add_to_revision(row)
        if comment:
            reversion.set_comment(comment)


# --- reading the history -------------------------------------------------------------------

# Which fields of each model say what a reader sees, in order.
TEXT_FIELDS = {
    "section": ["heading", "contents_label", "intro"],
    "card": ["text"],
    "matrixitem": ["title", "text", "impact", "effort"],
    "focuspoint": ["group", "title", "statement", "quantitative", "qualitative"],
    "milestone": ["period_label", "text"],
    "activity": ["title", "target_group", "aim", "partners"],
    "goal": ["title", "description"],
    "intervention": ["title", "problem", "target_groups", "approach", "direct_results", "medium_results", "long_term"],
    "surveyquestion": ["question", "respondents"],
    "figuretable": ["heading", "layout", "year", "footnote"],
    # Ids of the indicator and region: a changed citation shows as a changed line.
    "figurecitation": ["indicator_id", "neighbourhood_id", "year"],
}


# The key of the colophon's organisations among the section ids of a revision's texts.
COLOPHON = 0


@dataclass
class SectionChange:
    section_id: int
    heading: str
    old: SafeString
    new: SafeString
    kind: str  # "changed", "added", "removed"


@dataclass
class RevisionView:
    revision: object
    version: Version
    changes: list[SectionChange] = field(default_factory=list)


def _texts(revision) -> dict[int, tuple[str, list[str]]]:
    """Per section id: its heading and the lines a reader sees, as in this revision."""
    sections: dict[int, tuple[str, list[str]]] = {}
    items: dict[int, list[tuple[int, str]]] = {}
    answers: list[tuple[int, int, str]] = []
    question_sections: dict[int, int] = {}
    for version in revision.version_set.all():
        name = version.content_type.model
        if name == "plan":
            # The colophon's list of organisations, shown like a section (id 0: no section).
            rows = contributors_rows(version.field_dict.get("contributing_organisations"))
            lines = [" · ".join(v for v in (r["name"], r["role"], r["url"]) if v) for r in rows]
            sections[COLOPHON] = (str(_("Bijdragende organisaties")), lines)
            continue
        if name == "surveyanswer":
            data = version.field_dict
            answers.append((data.get("question_id"), int(data.get("order") or 0), f"{data.get('label', '')}: {data.get('count')}"))
            continue
        if name not in TEXT_FIELDS:
            continue
        data = version.field_dict
        if name == "surveyquestion":
            question_sections[int(version.object_id)] = data.get("section_id")
        if name == "section":
            lines = [data.get("heading", ""), *(line for line in (data.get("intro") or "").splitlines() if line.strip())]
            sections[int(version.object_id)] = (data.get("heading", ""), lines)
            continue
        text = " · ".join(str(data.get(f) or "") for f in TEXT_FIELDS[name] if data.get(f) not in (None, ""))
        if data.get("section_id") is not None:
            items.setdefault(int(data["section_id"]), []).append((int(data.get("order") or 0), text))
    for question_id, order, text in answers:
        # An answer reads as a line of its section, after the questions (in their order).
        if question_sections.get(question_id) is not None:
            items.setdefault(int(question_sections[question_id]), []).append((10**6 + order, text))
    return {
        pk: (heading, lines + [text for _order, text in sorted(items.get(pk, []))])
        for pk, (heading, lines) in sections.items()
    }


def word_diff(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Both texts as HTML with the words that differ marked: <del> in the old, <ins> in the new."""
    a, b = old.split(" "), new.split(" ")
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        old_words, new_words = escape(" ".join(a[i1:i2])), escape(" ".join(b[j1:j2]))
        if op == "equal":
            left.append(old_words)
            right.append(new_words)
        else:
            if old_words:
                left.append(f"<del>{old_words}</del>")
            if new_words:
                right.append(f"<ins>{new_words}</ins>")
    return mark_safe(" ".join(left)), mark_safe(" ".join(right))  # noqa: S308 - escaped above


def _diff(old: list[str], new: list[str]) -> tuple[SafeString, SafeString]:
    """The lines that differ; a changed line shows which of its words changed."""
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            for a, b in zip(old[i1:i2], new[j1:j2], strict=True):
                marked_old, marked_new = word_diff(a, b)
                left.append(marked_old)
                right.append(marked_new)
            continue
        left.extend(f"<del>{escape(line)}</del>" for line in old[i1:i2])
        right.extend(f"<ins>{escape(line)}</ins>" for line in new[j1:j2])
    return mark_safe("<br>".join(left)), mark_safe("<br>".join(right))  # noqa: S308 - escaped


def plan_history(plan: Plan, limit: int = 50) -> list[RevisionView]:
    """The plan's revisions, newest first, each with what changed per section."""
    versions = list(
        Version.objects.get_for_object(plan).select_related("revision__user").order_by("-revision__date_created")[: limit + 1]
    )
    views = [RevisionView(revision=v.revision, version=v) for v in versions]
    texts = [_texts(v.revision) for v in versions]
    for i, view in enumerate(views[:limit]):
        now, before = texts[i], (texts[i + 1] if i + 1 < len(texts) else {})
        for pk in list(now) + [pk for pk in before if pk not in now]:
            old, new = before.get(pk), now.get(pk)
            if old == new:
                continue
            heading = (new or old)[0]
            left, right = _diff(old[1] if old else [], new[1] if new else [])
            kind = "added" if old is None else "removed" if new is None else "changed"
            view.changes.append(SectionChange(section_id=pk, heading=heading, old=left, new=right, kind=kind))
    return views[:limit]
