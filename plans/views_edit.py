"""Editing a plan in the browser: its sections, the items in them, and its workflow.

Every write goes through plans.services (which checks that the plan may change and raises
its revision). Every form carries the revision of the section it edits: a save against an
older revision is refused and shows both versions side by side, with the differences
marked, and keeps what the person typed. Each form works without JavaScript (post, then
back to the page); with htmx the section editor is swapped in place.
"""

import functools
import re
import secrets
import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.db.models import Prefetch
from django.forms import modelform_factory
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import reswap, retarget
from django_prose_editor.widgets import ProseEditorWidget

from gebiedsplan.numbers import DecimalCommaField, IntegerCommaField
from matrix.models import MatrixItem

from . import services
from .drafts import draft_take, login_required_keep_draft
from .forms import CitationForm, ColophonForm, CoverForm
from .history import visible_text, word_diff
from .models import (
    Activity,
    Card,
    CardKind,
    CardTopic,
    FigureCitation,
    FocusPoint,
    Goal,
    GoalIndicator,
    Intervention,
    Membership,
    Milestone,
    Plan,
    PlanTheme,
    Section,
    SectionKind,
    SurveyQuestion,
)
from .page_cache import plan_edit_key
from .prepared import fetch_prepared, item_statement, rows_of_many, rows_statement, run
from .sanitize import RichTextField, SanitisedTextField, rich_text_media
from .selectors import get_area_for_user, get_plan_for_user, get_section_for_user, moved_citations
from .widgets import EditorRenderer

COORDINATOR = Membership.Role.COORDINATOR
FACILITATOR = Membership.Role.FACILITATOR

# What each section kind lets a person edit in the browser, and with which fields.
ITEM_MODELS = {
    SectionKind.MATRIX: (MatrixItem, ["title", "text", "impact", "effort"]),
    SectionKind.FOCUS: (FocusPoint, ["group", "title", "statement", "quantitative", "qualitative"]),
    SectionKind.TIMELINE: (Milestone, ["period_kind", "period_label", "date", "text"]),
    SectionKind.ACTIVITIES: (Activity, ["title", "theme", "target_group", "aim", "partners"]),
    SectionKind.GOALS: (Goal, ["title", "description", "parent"]),
    SectionKind.INTERVENTIONS: (
        Intervention,
        ["title", "problem", "target_groups", "approach", "direct_results", "medium_results", "long_term", "themes"],
    ),
    SectionKind.SURVEY: (SurveyQuestion, ["question", "respondents"]),
    SectionKind.CARDS: (Card, ["kind", "theme", "topic", "text"]),
}


# Item texts edited with the rich-text editor and rendered as HTML (`richtext` filter);
# the section's own text (intro) is one too, on the section form.
RICH_TEXT_FIELDS = {(Card, "text"), (FocusPoint, "quantitative"), (FocusPoint, "qualitative")}


def _row_id(text: str) -> int:
    """A posted row id; 404 when it is none a row can have (a whole number from 1 up that
    the databases can hold)."""
    try:
        pk = int(text)
    except ValueError:
        raise Http404 from None
    if not 0 < pk < 2**63:
        raise Http404
    return pk


def _ids(text: str) -> list[int]:
    """Row ids posted as "1,2,3" (_row_id each)."""
    return [_row_id(part) for part in text.split(",") if part.strip()]


def _posted_id(request, name: str = "item") -> int:
    """The row id posted as `name` (_row_id)."""
    return _row_id(request.POST.get(name, ""))


def _may_edit(plan: Plan, section: Section | None = None) -> bool:
    """Coordinators edit everything; facilitators only the matrix (design sessions)."""
    if plan.user_role == COORDINATOR:
        return True
    return plan.user_role == FACILITATOR and section is not None and section.kind == SectionKind.MATRIX


def _formfield(field, **kwargs):
    """Form fields in the NL Design System look, with textareas of a few lines; numbers
    are typed the Dutch way ("10,7", "1.234"); texts are sanitised (nh3) before saving."""
    if not field.choices and not field.is_relation:
        if isinstance(field, models.DecimalField):
            kwargs.setdefault("form_class", DecimalCommaField)
        elif isinstance(field, models.IntegerField):
            kwargs.setdefault("form_class", IntegerCommaField)
    if (field.model, field.name) in RICH_TEXT_FIELDS:
        kwargs.setdefault("form_class", RichTextField)
    elif isinstance(field, models.TextField):
        kwargs.setdefault("form_class", SanitisedTextField)
    formfield = field.formfield(**kwargs)
    if formfield is None:
        return None
    widget = formfield.widget
    if isinstance(widget, ProseEditorWidget):
        widget.attrs.update(rows=4, cols=60, **{"class": "utrecht-textarea rich-text"})
    elif widget.__class__.__name__ == "Textarea":
        widget.attrs.update(rows=3, cols=60, **{"class": "utrecht-textarea"})
    elif widget.__class__.__name__ in {"Select", "SelectMultiple"}:
        widget.attrs["class"] = "utrecht-select"
    elif widget.input_type in {"text", "number", "date", "email"}:
        widget.attrs["class"] = "utrecht-textbox utrecht-textbox--html-input"
    return formfield


class _ItemForm(forms.ModelForm):
    default_renderer = EditorRenderer()
    # False: the form only reads what was typed (each field, a choice among the plan's own
    # rows); the service that saves validates the item (its fields and constraints), once.
    validate_model = True

    def _post_clean(self):
        if self.validate_model:
            super()._post_clean()


def _form_errors(form, error: ValidationError) -> None:
    """A service's refusal shown on the form: beside the field it names, else above."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _item_form_class(section: Section):
    return _item_form_class_of(section.kind)


@functools.cache
def _item_form_class_of(kind: str):
    """Made once per kind: a form class holds no state of its own (each form copies its
    fields, and the choices are set on the copies)."""
    model, fields = ITEM_MODELS[kind]
    return model, modelform_factory(model, form=_ItemForm, fields=fields, formfield_callback=_formfield)


def _choice_lists(section: Section) -> dict:
    """Per choice field: the rows it chooses among, as (model, parent, parent id) for
    plans.prepared.rows_statement."""
    plan_id = section.plan_id
    return {
        "theme": (PlanTheme, "plan", plan_id),
        "themes": (PlanTheme, "plan", plan_id),
        "kind": (CardKind, "section", section.pk),
        "topic": (CardTopic, "section", section.pk),
    }


def _wanted_lists(fields, section: Section, shared: dict) -> list[tuple]:
    """The lists a form with these fields needs and `shared` does not hold yet."""
    lists = _choice_lists(section)
    return list(dict.fromkeys(lists[name] for name in lists if name in fields and name not in shared))


def _limit_choices(form, section: Section, shared: dict | None = None, read: dict | None = None) -> None:
    """Choices that belong to this plan and section only (themes, kinds, topics, goals).

    Each field's rows are read once per `shared` (one dict for all the item forms of a
    section, or of one request: the form that validates a save and the saved row shown
    after it), so that a section with many items costs one query per field, not one per
    item. A form's widget gets its choices from those rows, and a posted choice is looked
    up among them (a model choice field would ask the database for it again). `read`:
    lists already read (_wanted_lists, sent with the request's other reads).
    """
    shared = {} if shared is None else shared
    plan = section.plan
    # Ordered explicitly: the models' own ordering starts with their plan or section,
    # which joins the section, the plan and its area for nothing (they are all one's).
    querysets = {
        "theme": lambda: plan.themes.order_by("order", "id"),
        "themes": lambda: plan.themes.order_by("order", "id"),
        "kind": lambda: section.card_kinds.order_by("order", "id"),
        "topic": lambda: section.card_topics.order_by("order", "id"),
        "parent": lambda: section.goals.filter(parent=None).order_by("order", "id"),
    }
    # The same rows, read with prepared statements (plans.prepared.rows_of_many).
    lists = _choice_lists(section)
    # The lists this form needs and `shared` does not hold yet, read in one round trip.
    read = dict(read or {})
    wanted = [key for key in _wanted_lists(form.fields, section, shared) if key not in read]
    read.update(zip(wanted, rows_of_many(wanted), strict=True))
    for name, queryset in querysets.items():
        if name not in form.fields:
            continue
        field = form.fields[name]
        if name == "parent":
            field.queryset = queryset()
            continue
        if name not in shared:
            # A multiple choice field filters its queryset on a save. A single one looks a
            # posted value up among the rows (to_python below) and is given an empty
            # queryset, cheaper to make than the plan's: nothing outside the rows is there.
            multiple = isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = queryset() if multiple else lists[name][0]._base_manager.none()
            rows = read[lists[name]]
            shared[name] = (rows, _choices(field, rows), field.queryset)
        rows, choices, field.queryset = shared[name]  # never read again: the rows stand in for it
        field.widget.choices = choices
        if not isinstance(field, forms.ModelMultipleChoiceField):
            field.to_python = _preloaded_to_python(field, rows)
    if isinstance(form.instance, Goal) and form.instance.pk and "parent" in form.fields:
        form.fields["parent"].queryset = form.fields["parent"].queryset.exclude(pk=form.instance.pk)


def _preloaded_to_python(field, rows: list):
    """ModelChoiceField.to_python among rows already read (the same answers, no query)."""
    by_key = {str(getattr(row, field.to_field_name or "pk")): row for row in rows}

    def to_python(value):
        if value in field.empty_values:
            return None
        field.validate_no_null_characters(value)
        if isinstance(value, field.queryset.model):
            value = getattr(value, field.to_field_name or "pk")
        row = by_key.get(str(value))
        if row is None:
            raise ValidationError(field.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return row

    return to_python


def _choices(field, rows: list) -> list:
    """A model choice field's choices from rows read with one plain query (its own
    iterator counts the rows first and reads them through a server-side cursor: three
    round trips)."""
    iterator = field.iterator(field)
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    return empty + [iterator.choice(obj) for obj in rows]


@require_http_methods(["GET", "POST"])
@login_required_keep_draft
def plan_edit(request: HttpRequest, code) -> HttpResponse:
    """The plan's sections in order: add, move, remove; and the workflow."""
    plan = get_plan_for_user(request.user, code, roles=(COORDINATOR, FACILITATOR))
    # Ordered explicitly: Section's own ordering starts with the plan's, which joins the
    # plan and its area for nothing here (one plan).
    sections = plan.sections.order_by("order", "id")
    if request.method == "POST":
        sections = list(sections)
        if plan.user_role != COORDINATOR:
            raise PermissionDenied
        try:
            response = _plan_edit_action(request, plan, sections)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            response = None
        return response or redirect("plans:plan_edit", code=plan.code)
    draft = draft_take(request)
    # The page's own part changes only when what it lists changes: rendered once per
    # person and layout (plans.page_cache.plan_edit_key: the plan's row, its sections but
    # their texts and revisions, its last status change), with stand-ins for the CSRF
    # token and for each section's revision that every request fills in (one query reads
    # the layout and the revisions). So a save in a section, which only raises revisions,
    # leaves the cached part good. A draft typed before a login is shown once, an adopted
    # plan's part shows things that change without a revision (a next version, the public
    # link's host, newer figures), and so do figures that moved since the previous plan:
    # those render each time.
    layout = _edit_layout(plan) if draft is None and plan.status != Plan.Status.ADOPTED else None
    key = plan_edit_key(plan, request.user, layout["digest"]) if layout and layout["cacheable"] else None
    stored = cache.get(key) if key else None
    if stored is None:
        placeholder = secrets.token_hex(16)  # unguessable: no text in the page can hold it
        context = _plan_edit_context(plan, sections, draft, placeholder)
        body = render_to_string("plans/plan_edit.html#edit-body", context, request)
        # Kept only if nothing it lists changed while it was read (a section added, moved
        # or renamed in between would otherwise be stored under the layout before it).
        again = _edit_layout(plan) if key else None
        if again and again["digest"] == layout["digest"] and again["revisions"] == layout["revisions"]:
            cache.set(key, (placeholder, body))
        revisions = layout["revisions"] if layout else {s.pk: s.revision for s in context["sections"]}
    else:
        placeholder, body = stored
        revisions = layout["revisions"]
    body = re.sub(re.escape(placeholder) + r"r(\d+)\.", lambda m: str(revisions.get(int(m.group(1)), "")), body)
    body = mark_safe(body.replace(placeholder, get_token(request)))  # noqa: S308 - rendered by the template
    return render(request, "plans/plan_edit.html", {"plan": plan, "body": body})


@functools.cache
def _layout_sql() -> str:
    """What the edit page shows of a plan's sections (every column but their text, their
    revision and their stamp), their revisions, the plan's last status change and whether
    a cited figure moved since the previous plan: plain SQL, written once (the ORM's
    subqueries cost more to compile than the query costs to run).

    On PostgreSQL one row: the sections' ids and revisions as arrays and a digest of the
    rest, made by the database (reading ninety sections' columns into Python only to
    hash them cost more than the rest of a cached edit page). Elsewhere a row per
    section, hashed in Python."""
    from .models import PlanStatusChange

    quote = connection.ops.quote_name
    section, change, citation = (quote(m._meta.db_table) for m in (Section, PlanStatusChange, FigureCitation))
    columns = ", ".join(
        f"s.{quote(f.column)}" for f in Section._meta.concrete_fields if f.name not in {"id", "intro", "revision", "updated"}
    )
    flags = (
        f"(SELECT MAX(c.{quote('id')}) FROM {change} c WHERE c.{quote('plan_id')} = %(plan)s), "  # noqa: S608 - names from model meta
        f"EXISTS (SELECT 1 FROM {citation} f INNER JOIN {section} t ON f.{quote('section_id')} = t.{quote('id')} "
        f"WHERE t.{quote('plan_id')} = %(plan)s AND f.{quote('previous_year')} IS NOT NULL)"
    )
    where = f"FROM {section} s WHERE s.{quote('plan_id')} = %(plan)s"
    order = f"s.{quote('order')}, s.{quote('id')}"
    if connection.vendor == "postgresql":
        # ROW(...)::text quotes every value and marks a NULL, so no two layouts read alike.
        return (
            f"SELECT array_agg(s.{quote('id')} ORDER BY {order}), array_agg(s.{quote('revision')} ORDER BY {order}), "  # noqa: S608
            f"{flags}, md5(string_agg(ROW(s.{quote('id')}, {columns})::text, ',' ORDER BY {order})) {where}"
        )
    return f"SELECT s.{quote('id')}, s.{quote('revision')}, {flags}, {columns} {where} ORDER BY {order}"  # noqa: S608


def _edit_layout(plan: Plan) -> dict | None:
    """One query: what the edit page's own part shows of the plan's sections (a digest of
    it), each section's revision, the plan's last status change, and whether any cited
    figure moved since the previous plan (the page then lists them: not cached). None
    for a plan without sections (nothing to carry the rest). Prepared once per
    connection (plans.prepared): planning it cost more than running it."""
    import hashlib

    rows = fetch_prepared("edit page layout", _layout_sql(), {"plan": plan.pk})
    if connection.vendor == "postgresql":
        ids, revisions, last_change, moved, digest = rows[0]
        if not ids:
            return None
        revisions = dict(zip(ids, revisions, strict=True))
    else:
        if not rows:
            return None
        last_change, moved = rows[0][2], rows[0][3]
        digest = hashlib.sha256(repr([row[:1] + row[4:] for row in rows]).encode()).hexdigest()
        revisions = {row[0]: row[1] for row in rows}
    return {
        "digest": hashlib.sha256(f"{digest}:{last_change}".encode()).hexdigest()[:16],
        "revisions": revisions,
        "cacheable": not (moved and plan.user_role == COORDINATOR),
    }


def _plan_edit_context(plan: Plan, sections, draft, placeholder: str) -> dict:
    """The context of the edit page's own part, with `placeholder` for the CSRF token and
    `<placeholder>r<section id>.` for each section's revision (plan_edit fills them in)."""
    sections = list(sections.defer("intro"))  # the page lists headings, not texts
    if plan.user_role != COORDINATOR:
        sections = [s for s in sections if s.kind == SectionKind.MATRIX]
    editable = plan.user_role == COORDINATOR and plan.status != Plan.Status.ADOPTED
    return {
        "plan": plan,
        "sections": sections,
        "csrf_token": placeholder,
        "section_rows": _section_rows_html(
            plan, sections, sortable=editable, tools=editable,
            csrf_input=format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', placeholder),
            revision_of=lambda s: f"{placeholder}r{s.pk}.",
        ),
        "kinds": SectionKind.choices,
        "chapters": [s for s in sections if s.parent_id is None],
        "next_statuses": [Plan.Status(s) for s in sorted(services.TRANSITIONS[plan.status])],
        "status_changes": plan.status_changes.select_related("user").order_by("-created")[:10],
        "adopted": plan.status == Plan.Status.ADOPTED,
        "editable": editable,
        # Shown on an adopted plan only (a plan gets a next version once it is adopted).
        "next_version": Plan.objects.filter(previous_version=plan).only("code", "version", "status").order_by("pk").first()
        if plan.status == Plan.Status.ADOPTED else None,
        "previous_version": (
            Plan.objects.only("code", "version", "status").get(pk=plan.previous_version_id)
            if plan.previous_version_id else None
        ),
        "moved_figures": moved_citations(plan) if plan.user_role == COORDINATOR else [],
        # What was typed before a login (a new section's heading, a status note).
        "draft": {"action": draft.get("action", ""), "heading": draft.get("heading", ""), "note": draft.get("note", "")}
        if draft else {},
    }


def _copied_summary(plan: Plan, *, years: int) -> str:
    """What a copy to the next period brought along, as a person counts it."""
    from django.utils.text import get_text_list
    from django.utils.translation import ngettext

    from .models import FigureTable

    counts = [
        (plan.sections.count(), "%(n)s onderdeel", "%(n)s onderdelen"),
        (plan.themes.count(), "%(n)s thema", "%(n)s thema's"),
        (Card.objects.filter(section__plan=plan).count(), "%(n)s kaart", "%(n)s kaarten"),
        (MatrixItem.objects.filter(section__plan=plan).count(), "%(n)s matrixactie", "%(n)s matrixacties"),
        (FocusPoint.objects.filter(section__plan=plan).count(), "%(n)s focuspunt", "%(n)s focuspunten"),
        (Intervention.objects.filter(section__plan=plan).count(), "%(n)s interventie", "%(n)s interventies"),
        (Activity.objects.filter(section__plan=plan).count(), "%(n)s activiteit", "%(n)s activiteiten"),
        (Goal.objects.filter(section__plan=plan).count(), "%(n)s doel", "%(n)s doelen"),
        (SurveyQuestion.objects.filter(section__plan=plan).count(), "%(n)s enquêtevraag", "%(n)s enquêtevragen"),
        (FigureTable.objects.filter(section__plan=plan).count(), "%(n)s cijfertabel", "%(n)s cijfertabellen"),
    ]
    parts = [ngettext(one, many, n) % {"n": n} for n, one, many in counts if n]
    milestones = Milestone.objects.filter(section__plan=plan).count()
    if milestones:
        parts.append(
            ngettext(
                "%(n)s mijlpaal (%(years)s jaar later)", "%(n)s mijlpalen (%(years)s jaar later)", milestones
            ) % {"n": milestones, "years": years}
        )
    contributors = len(plan.contributors)
    parts.append(
        ngettext("het colofon met %(n)s bijdragende organisatie", "het colofon met %(n)s bijdragende organisaties", contributors)
        % {"n": contributors}
        if contributors else _("het colofon")
    )
    return get_text_list(parts, _("en"))


def _section_rows_html(
    plan: Plan, sections: list[Section], *, sortable: bool, tools: bool, csrf_input: str, revision_of=None
) -> SafeString:
    """The plan's chapters with their sub-sections as the list of the edit page, each row
    with its link and its buttons (↑, ↓, remove: each a form that works without
    JavaScript). Written here with format_html (every value escaped) rather than a
    template partial per row: a plan of a hundred sections would otherwise render,
    translate and localise a few thousand template nodes per page."""
    placeholder = str(uuid.UUID(int=0))
    url = reverse("plans:section_edit", args=[plan.code, placeholder])
    kinds = dict(SectionKind.choices)
    up, down, delete = _("%(name)s omhoog"), _("%(name)s omlaag"), _("%(name)s verwijderen")
    drag = format_html('<span class="drag-handle" aria-hidden="true" title="{}">⠿</span>', _("Slepen om te verplaatsen"))
    drag = drag if sortable else ""
    appendix, remove = " · " + _("bijlage"), _("Verwijderen")
    disabled = mark_safe(" disabled")  # noqa: S308 - a constant
    # One format_html per row (every value in it escaped); a row with sub-sections gets
    # their list before its </li>.
    head = (
        '<li class="settings-group" data-id="{}"><div class="settings-row">\n'
        '  <p class="settings-row__main">{}<a class="utrecht-link" href="{}">{}</a>\n'
        '    <span class="settings-row__kind">{}{}</span></p>'
    )
    if tools:
        head += (
            '\n  <form method="post" class="settings-row__tools">{}\n'
            '    <input type="hidden" name="section" value="{}">\n'
            '    <input type="hidden" name="revision" value="{}">\n'
            '    <button class="utrecht-button utrecht-button--subtle" type="submit" name="action" value="section-up" aria-label="{}"{}>↑</button>\n'
            '    <button class="utrecht-button utrecht-button--subtle" type="submit" name="action" value="section-down" aria-label="{}"{}>↓</button>\n'
            '    <button class="utrecht-button utrecht-button--subtle" type="submit" name="action" value="section-delete" aria-label="{}">{}</button>\n'
            '  </form>'
        )
    head += "\n</div>"

    def row(s: Section, first: bool, last: bool) -> SafeString:
        values = [s.pk, drag, url.replace(placeholder, str(s.code)), s.heading, kinds.get(s.kind, s.kind), appendix if s.appendix else ""]
        if tools:
            name = {"name": s.heading}
            values += [
                csrf_input, s.pk, revision_of(s) if revision_of else s.revision, up % name, disabled if first else "", down % name, disabled if last else "",
                delete % name, remove,
            ]
        return format_html(head, *values)

    def rows(group: list[Section], children: dict[int, list[Section]]) -> list[SafeString]:
        out = []
        for i, s in enumerate(group):
            html = row(s, i == 0, i == len(group) - 1)
            sub = children.get(s.pk)
            if sub:
                html += format_html(
                    '\n<ol class="settings-list settings-list--sub"{}>{}</ol>',
                    format_html(' data-sortable-url="{}" data-parent="{}"', url_here, s.pk) if sortable else "",
                    mark_safe("".join(rows(sub, {}))),  # noqa: S308 - each row is escaped by format_html
                )
            out.append(html + mark_safe("</li>"))  # noqa: S308 - a constant
        return out

    url_here = reverse("plans:plan_edit", args=[plan.code])
    children: dict[int, list[Section]] = {}
    for s in sections:
        if s.parent_id is not None:
            children.setdefault(s.parent_id, []).append(s)
    chapters = [s for s in sections if s.parent_id is None]
    items = rows(chapters, children) or [format_html('<li class="empty">{}</li>', _("Dit plan heeft nog geen onderdelen."))]
    return format_html(
        '<ol class="settings-list"{}>{}</ol>',
        format_html(' data-sortable-url="{}" data-parent=""', url_here) if sortable else "",
        mark_safe("\n".join(items)),  # noqa: S308 - each row is escaped by format_html
    )


def _plan_edit_action(request, plan: Plan, sections: list[Section]) -> HttpResponse | None:
    action = request.POST.get("action", "")
    if action == "new-version":
        existing = Plan.objects.filter(previous_version=plan).first()
        if existing is not None:
            return redirect("plans:plan_edit", code=existing.code)
        new = services.plan_new_version(plan=plan, user=request.user)
        messages.success(
            request,
            _("Versie %(number)s is gemaakt als concept. De vastgestelde versie blijft leesbaar en te downloaden.")
            % {"number": new.version},
        )
        return redirect("plans:plan_edit", code=new.code)
    if action == "copy-next":
        new = services.plan_copy_to_next_period(plan=plan)
        messages.success(
            request,
            _("%(heading)s is gemaakt als kopie van dit plan. Meegekopieerd: %(copied)s.")
            % {"heading": new.heading, "copied": _copied_summary(new, years=new.period_start - plan.period_start)},
        )
        return redirect("plans:plan_edit", code=new.code)
    if action == "reorder":
        parent = request.POST.get("parent") or None
        services.section_reorder(
            plan=plan, parent_id=int(parent) if parent else None, ordered_ids=_ids(request.POST.get("order", ""))
        )
        return None
    if action in {"publish", "unpublish"}:
        services.plan_publish(plan=plan, public=action == "publish")
        messages.success(request, _("De openbare link staat aan.") if action == "publish" else _("De openbare link staat uit."))
        return None
    if action == "status":
        services.plan_status_change(
            plan=plan, new_status=request.POST.get("status", ""), user=request.user, note=request.POST.get("note", "")
        )
        messages.success(request, _("De status is gewijzigd."))
        return
    if action == "section-add":
        parent = next((s for s in sections if str(s.pk) == request.POST.get("parent") and s.parent_id is None), None)
        heading = request.POST.get("heading", "").strip()
        if not heading:
            raise ValidationError(_("Geef het onderdeel een kop."))
        services.section_add(
            plan=plan, kind=request.POST.get("kind", ""), heading=heading, parent=parent,
            appendix=bool(request.POST.get("appendix")), numbered=parent is None,
        )
        messages.success(request, _("Het onderdeel is toegevoegd."))
        return
    section = next((s for s in sections if str(s.pk) == request.POST.get("section")), None)
    if section is None:
        raise Http404
    siblings = [s for s in sections if s.parent_id == section.parent_id]
    position = siblings.index(section)
    if action in {"section-up", "section-down"}:
        services.section_move(section=section, position=position + (-1 if action == "section-up" else 1))
    elif action == "section-delete":
        services.section_delete(section=section, expected_revision=request.POST.get("revision"))
        messages.success(request, _("Het onderdeel is verwijderd."))
    else:
        raise Http404


@require_http_methods(["GET", "POST"])
@login_required_keep_draft
def section_edit(request: HttpRequest, code, section_code) -> HttpResponse:
    plan, section = get_section_for_user(request.user, code, section_code, roles=(COORDINATOR, FACILITATOR))
    if not _may_edit(plan, section):
        raise PermissionDenied
    context = {"plan": plan, "section": section, "conflict": None, "errors": []}
    if request.method == "POST":
        try:
            done = _section_action(request, section, context)
        except services.StaleEdit as stale:
            _conflict(request, stale.section, context)
            done = False
        except ValidationError as error:
            context["errors"] = error.messages
            done = False
        if done and not request.htmx:
            return redirect("plans:section_edit", code=plan.code, section_code=section.code)
        if done:
            response = _htmx_saved(request, section, context)
            if response is not None:
                return response
        section.refresh_from_db()
        section.plan = plan
    else:
        draft = draft_take(request)
        if draft is not None:
            _restore_draft(draft, section, context)
    context.update(_editor_context(section, context))
    template = "plans/section_edit.html" + ("#editor" if request.htmx else "")
    return render(request, template, context, status=409 if context["conflict"] else 200)


def _htmx_saved(request, section: Section, context: dict) -> HttpResponse | None:
    """After an htmx save, only what it changed instead of the whole editor: a saved item
    answers with its own row as stored (or with nothing to swap when it was stored as
    typed: the row shows it already), a section save with the section's form and heading,
    a drop with nothing to swap (the list already shows the order). Each answer carries the
    section's new revision out of band into every form of the editor (so the next save
    of any of them is no conflict) and the editor's notices. None: redraw the editor."""
    template = "plans/section_edit.html#"
    base = {
        "plan": section.plan, "section": section, "revision": section.revision, "errors": [],
        "adopted": section.plan.status == Plan.Status.ADOPTED,
    }
    action = request.POST.get("action")
    if action == "item-save" and context.get("stored_as_typed"):
        # The row already shows what was stored, as it was typed: it stays as it is (and
        # keeps the focus and the editor's state); only the notices and the revision.
        return reswap(render(request, template + "item-kept", base), "none")
    if action == "item-save" and "saved_item" in context:
        item = context["saved_item"]
        base.update(_saved_item(section, item, context.get("choices")))
        response = render(request, template + "item-saved", base)
        return reswap(retarget(response, f"#item-{item.pk}"), "outerHTML")
    if action == "section-save":
        base.update(
            heading_value=section.heading, contents_label_value=section.contents_label,
            intro_widget=_intro_widget(section.intro, section), numbered_value=section.numbered,
            appendix_value=section.appendix,
        )
        response = render(request, template + "section-saved", base)
        return reswap(retarget(response, "#section-form"), "outerHTML")
    if action == "reorder":
        response = render(request, template + "reordered", base)
        response["X-Revision"] = str(section.revision)  # read by static/js/sortable-lists.js
        return reswap(response, "none")
    return None


def _stored_as_typed(form, item) -> bool:
    """Whether an item saved from `form` is stored exactly as it was typed: every field a
    text or a single choice whose posted value is the stored one. A text the sanitiser or
    a trim changed, or any other kind of field (a number typed "10,7", a date, several
    themes), gets its row drawn again from what was stored."""
    for name, field in form.fields.items():
        posted = form.data.get(form.add_prefix(name), "")
        if isinstance(field, forms.ModelMultipleChoiceField):
            return False
        if isinstance(field, forms.ModelChoiceField):
            stored = getattr(item, item._meta.get_field(name).attname)
            stored = "" if stored is None else str(stored)
        elif isinstance(field, forms.CharField):
            stored = getattr(item, name)
            stored = "" if stored is None else stored
        else:
            return False
        if not isinstance(stored, str) or posted != stored:
            return False
    return True


def _restore_draft(draft, section: Section, context: dict) -> None:
    """Put what was typed before the login back into the form it was typed in, unsaved,
    with the revision it was typed against (so a save after someone else's shows the
    conflict rather than overwriting theirs)."""
    action = draft.get("action", "")
    context["revision"] = draft.get("revision") or section.revision
    if action == "section-save":
        context["typed"] = {name: draft.get(name, "") for name in ("heading", "contents_label", "intro")}
        context["typed"].update(numbered=bool(draft.get("numbered")), appendix=bool(draft.get("appendix")))
        return
    if section.kind not in ITEM_MODELS:
        return
    model, form_class = _item_form_class(section)
    if action == "item-add":
        context["new_form"] = form_class(draft, prefix="new")
        _limit_choices(context["new_form"], section)
    elif action == "item-save":
        item = model.objects.filter(pk=draft.get("item") or 0, section=section).first() if draft.get("item", "").isdigit() else None
        if item is not None:
            form = form_class(draft, instance=item, prefix=f"i{item.pk}")
            _limit_choices(form, section)
            context.setdefault("item_forms", {})[item.pk] = form


def _section_action(request, section: Section, context: dict) -> bool:
    action = request.POST.get("action", "")
    revision = request.POST.get("revision")
    if action == "section-save":
        services.section_update(
            section=section,
            expected_revision=revision,
            heading=request.POST.get("heading", "").strip(),
            contents_label=request.POST.get("contents_label", "").strip(),
            intro=RichTextField(required=False).clean(request.POST.get("intro", "")),
            numbered=bool(request.POST.get("numbered")),
            appendix=bool(request.POST.get("appendix")),
        )
        messages.success(request, _("Het onderdeel is opgeslagen."))
        return True
    if action in {"answer-add", "answer-delete"} and section.kind == SectionKind.SURVEY:
        return _answer_action(request, section, action, revision)
    if action in {"cite-add", "cite-delete"} and section.kind in CITING:
        return _citation_action(request, section, action, revision, context)
    if section.kind not in ITEM_MODELS:
        raise Http404
    model, form_class = _item_form_class(section)
    if action == "reorder":
        services.content_reorder(
            section=section, model=model, ordered_ids=_ids(request.POST.get("order", "")), expected_revision=revision
        )
        return True
    if action == "item-add":
        form = form_class(request.POST, prefix="new")
        _limit_choices(form, section)
        if not form.is_valid():
            context["new_form"] = form
            return False
        data = dict(form.cleaned_data)
        if model is Card:
            services.card_add(section=section, expected_revision=revision, **data)
        else:
            services.content_add(model, section=section, expected_revision=revision, **data)
        messages.success(request, _("Toegevoegd."))
        return True
    pk = _posted_id(request)
    # A save validates against the section's choice lists: read with its item.
    shared = context.setdefault("choices", {})
    wanted = _wanted_lists(form_class.base_fields, section, shared) if action == "item-save" else []
    item, *lists = run(item_statement(model, pk, section.pk), *(rows_statement(*key) for key in wanted))
    if item is None:
        raise Http404
    item.section = section
    if action == "item-delete":
        services.content_delete(item=item, expected_revision=revision)
        messages.success(request, _("Verwijderd."))
        return True
    if action in {"item-up", "item-down"}:
        services.content_move(item=item, step=-1 if action == "item-up" else 1, expected_revision=revision)
        return True
    if action == "item-save":
        form = form_class(request.POST, instance=item, prefix=f"i{item.pk}")
        form.validate_model = False  # content_update validates the item
        _limit_choices(form, section, shared, read=dict(zip(wanted, lists, strict=True)))
        if not form.is_valid():
            context.setdefault("item_forms", {})[item.pk] = form
            return False
        data = dict(form.cleaned_data)
        try:
            services.content_update(item=item, expected_revision=revision, **data)  # themes too, before the history
        except ValidationError as error:
            _form_errors(form, error)
            context.setdefault("item_forms", {})[item.pk] = form
            return False
        messages.success(request, _("Opgeslagen."))
        context["saved_item"] = item
        context["stored_as_typed"] = _stored_as_typed(form, item)
        return True
    raise Http404


def _answer_action(request, section: Section, action: str, revision) -> bool:
    """A survey question's answers: add one (label and count) or remove one."""
    from gebiedsplan.numbers import number_from_post

    from .models import SurveyAnswer

    try:
        question = SurveyQuestion.objects.select_related("section__plan").get(pk=_posted_id(request), section=section)
    except SurveyQuestion.DoesNotExist:
        raise Http404 from None
    if action == "answer-delete":
        try:
            answer = question.answers.get(pk=_posted_id(request, "answer"))
        except SurveyAnswer.DoesNotExist:
            raise Http404 from None
        services.content_delete(item=answer, expected_revision=revision)
        messages.success(request, _("Het antwoord is verwijderd."))
        return True
    try:
        count = number_from_post(request.POST.get("count"), default=None)
    except ValueError as error:
        raise ValidationError(_("Aantal: %(problem)s") % {"problem": error.args[0]}) from None
    if count is None:
        raise ValidationError(_("Vul bij het antwoord het aantal in."))
    services.survey_answer_add(question=question, label=request.POST.get("label", ""), count=count, expected_revision=revision)
    messages.success(request, _("Het antwoord is toegevoegd."))
    return True


# Items that can cite figures (indicator, region, year), per section kind.
CITING = {SectionKind.FOCUS: FocusPoint, SectionKind.GOALS: Goal}


def _citation_choices(plan: Plan):
    """Years, indicators and regions a citation can choose from: the area's regions (its
    own, their buurten, the municipality) as their newest row per CBS code, and every
    indicator with figures for them. Four queries."""
    from django.db.models import Q

    from wijkdata import selectors
    from wijkdata.models import Indicator, Neighbourhood

    area = plan.area
    years = selectors.area_years(area) or [plan.period_start]
    newest = {}
    for region in Neighbourhood.objects.filter(
        selectors.region_filter(selectors.area_codes(area)) | Q(code=area.organisation.municipality_code)
    ).order_by("year"):
        newest[region.code] = region
    regions = selectors.tree_order(list(newest.values()))
    regions.sort(key=lambda r: r.level != Neighbourhood.Level.MUNICIPALITY)
    indicators = (
        Indicator.objects.filter(values__neighbourhood__code__in=list(newest))
        .distinct()
        .order_by("category", "order", "name")
        if newest
        else []
    )
    return (
        years,
        None,
        [(str(i.id), f"{i.name} ({i.get_category_display().lower()})") for i in indicators],
        [(str(r.id), selectors.region_label(r)) for r in regions],
    )


def _citation_form(section: Section, item, choices, data=None) -> CitationForm:
    years, _year, indicators, regions = choices
    targets = None
    if isinstance(item, Goal):
        targets = [(gi.pk, gi.indicator.name) for gi in item.indicators.all()]
    return CitationForm(
        data, prefix=f"c{item.pk}", indicators=indicators, neighbourhoods=regions, years=years, targets=targets
    )


def _citation_action(request, section: Section, action: str, revision, context: dict) -> bool:
    from wijkdata.models import Indicator, Neighbourhood

    model = CITING[section.kind]
    try:
        item = model.objects.get(pk=_posted_id(request), section=section)
    except model.DoesNotExist:
        raise Http404 from None
    if action == "cite-delete":
        try:
            citation = FigureCitation.objects.get(pk=_posted_id(request, "citation"), section=section)
        except FigureCitation.DoesNotExist:
            raise Http404 from None
        services.citation_delete(citation=citation, expected_revision=revision)
        messages.success(request, _("Het cijfer wordt niet meer aangehaald."))
        return True
    form = _citation_form(section, item, _citation_choices(section.plan), request.POST)
    if not form.is_valid():
        context.setdefault("citation_forms", {})[item.pk] = form
        return False
    data = form.cleaned_data
    owner = item
    if data.get("target"):
        owner = item.indicators.filter(pk=data["target"]).first()
        if owner is None:
            raise Http404
    try:
        services.citation_add(
            owner=owner,
            indicator=Indicator.objects.get(pk=data["indicator"]),
            neighbourhood=Neighbourhood.objects.get(pk=data["neighbourhood"]),
            year=data["year"],
            expected_revision=revision,
        )
    except ValidationError:
        context.setdefault("citation_forms", {})[item.pk] = form
        raise
    messages.success(request, _("Het cijfer is toegevoegd."))
    return True


def _shown(field, value) -> str:
    """A form value as a person reads it: the label of a choice, the text of a text."""
    if value is None:
        return ""
    choices = getattr(field, "choices", None)
    if choices is not None:
        labels = {str(key): str(label) for key, label in choices}
        values = value if isinstance(value, list | tuple) else [value]
        return ", ".join(labels.get(str(v), str(v)) for v in values if str(v) != "")
    # A rich text (HTML) is compared by the words a reader sees, not by its tags.
    return visible_text(value)


def _changed_fields(typed: forms.BaseForm, stored: forms.BaseForm) -> list[dict]:
    """Field by field, where what was typed (a bound form) differs from what is stored now
    (the same form, unbound): both as a person reads them, the differing words marked."""
    rows = []
    for name, field in typed.fields.items():
        theirs_text = _shown(field, stored[name].value())
        ours_text = _shown(field, typed[name].data)
        if theirs_text == ours_text:
            continue
        theirs, ours = word_diff(theirs_text, ours_text)
        rows.append({"label": capfirst(str(field.label)), "theirs": theirs, "ours": ours, "changed": True})
    return rows


def _conflict(request, current: Section, context: dict) -> None:
    """Someone saved this section in the meantime: show theirs beside ours, keep ours."""
    action = request.POST.get("action")
    mine = {}
    rows = []
    if action == "section-save":
        mine = {name: request.POST.get(name, "") for name in ("heading", "contents_label", "intro")}
        mine.update(numbered=bool(request.POST.get("numbered")), appendix=bool(request.POST.get("appendix")))
        for name, label in (("heading", _("Kop")), ("intro", _("Tekst"))):
            # The intro is HTML: the words a reader sees are compared, not its tags.
            theirs, ours = word_diff(visible_text(getattr(current, name)), visible_text(mine[name]))
            rows.append({"label": label, "theirs": theirs, "ours": ours, "changed": getattr(current, name) != mine[name]})
    elif action in {"item-save", "item-add"} and current.kind in ITEM_MODELS:
        model, form_class = _item_form_class(current)
        item = None
        if action == "item-save" and request.POST.get("item", "").isdigit():
            item = model.objects.filter(pk=int(request.POST["item"]), section=current).first()
        if action == "item-add":
            # Adding changes nobody's text: the form keeps what was typed, saving adds it.
            context["new_form"] = form_class(request.POST, prefix="new")
            _limit_choices(context["new_form"], current)
        elif item is not None:
            # The item's form keeps what was typed; beside it, field by field, what is stored now.
            form = form_class(request.POST, instance=item, prefix=f"i{item.pk}")
            _limit_choices(form, current)
            context.setdefault("item_forms", {})[item.pk] = form
            stored = form_class(instance=item, prefix=f"i{item.pk}")
            _limit_choices(stored, current)
            rows.extend(_changed_fields(form, stored))
    context["conflict"] = {"rows": rows, "mine": mine, "action": action}
    context["errors"] = [
        _(
            "Iemand anders heeft dit onderdeel opgeslagen terwijl u het bewerkte. Hieronder staan beide "
            "versies; uw tekst staat nog in het formulier. Voeg ze samen en sla opnieuw op."
        )
    ]


def _intro_widget(value: str, section: Section) -> str:
    """The section's text in the rich-text editor (a plain textarea without JavaScript)."""
    attrs = {"id": "id_intro", "rows": 10, "class": "utrecht-textarea rich-text", "aria-describedby": "intro-help"}
    if section.plan.status == Plan.Status.ADOPTED:
        attrs["disabled"] = True
    return RichTextField(required=False).widget.render("intro", value, attrs=attrs, renderer=EditorRenderer())


def _item_prefetches(section: Section, model) -> list:
    """What an item's row in the editor shows besides its own fields: a survey question's
    answers, the figures a focus point or goal cites (a goal also per indicator)."""
    if model is SurveyQuestion:
        return ["answers"]
    if section.kind not in CITING:
        return []
    citations = Prefetch("citations", queryset=FigureCitation.objects.select_related("indicator", "neighbourhood"))
    if model is not Goal:
        return [citations]
    return [
        citations,
        Prefetch(
            "indicators",
            queryset=GoalIndicator.objects.select_related("indicator").prefetch_related(
                Prefetch("citations", queryset=FigureCitation.objects.select_related("indicator", "neighbourhood"))
            ),
        ),
    ]


def _dress_item(section: Section, item, choices, posted_citations: dict) -> None:
    """The cited figures and the citation form of an item that can cite (prefetched)."""
    if section.kind not in CITING:
        return
    item.citation_list = list(item.citations.all())
    if isinstance(item, Goal):
        item.citation_list += [c for gi in item.indicators.all() for c in gi.citations.all()]
    item.citation_form = posted_citations.get(item.pk) or _citation_form(section, item, choices)


def _saved_item(section: Section, item, shared: dict | None = None) -> dict:
    """The context of one item's row after it was saved: its form as stored, and whether
    it is first or last (its ↑/↓ buttons)."""
    from django.db.models import prefetch_related_objects

    model, form_class = _item_form_class(section)
    prefetches = _item_prefetches(section, model)
    if prefetches:
        prefetch_related_objects([item], *prefetches)
    choices = _citation_choices(section.plan) if section.kind in CITING else None
    _dress_item(section, item, choices, {})
    form = form_class(instance=item, prefix=f"i{item.pk}")
    _limit_choices(form, section, shared)  # the rows the save chose among
    # Its place was read with it (plans.prepared.item_statement); a save does not move it.
    return {"item": item, "form": form, "is_first": item.is_first, "is_last": item.is_last}


def _editor_context(section: Section, context: dict) -> dict:
    items, item_forms, new_form = [], [], None
    if section.kind in ITEM_MODELS:
        model, form_class = _item_form_class(section)
        posted = context.get("item_forms", {})
        queryset = model.objects.filter(section=section).order_by("order", "id")
        prefetches = _item_prefetches(section, model)
        if prefetches:
            queryset = queryset.prefetch_related(*prefetches)
        choices = _citation_choices(section.plan) if section.kind in CITING else None
        posted_citations = context.get("citation_forms", {})
        shared: dict = {}
        for item in queryset:
            form = posted.get(item.pk) or form_class(instance=item, prefix=f"i{item.pk}")
            _limit_choices(form, section, shared)
            _dress_item(section, item, choices, posted_citations)
            item_forms.append((item, form))
        new_form = context.get("new_form") or form_class(prefix="new")
        _limit_choices(new_form, section, shared)
    conflict = context.get("conflict")
    typed = (conflict and conflict["mine"]) or context.get("typed") or {}
    return {
        "items": items,
        "item_forms": item_forms,
        "new_form": new_form,
        "revision": context.get("revision") or section.revision,
        "heading_value": typed.get("heading", section.heading),
        "contents_label_value": typed.get("contents_label", section.contents_label),
        "intro_widget": _intro_widget(typed.get("intro", section.intro), section),
        "rich_text_media": rich_text_media(),
        "numbered_value": typed.get("numbered", section.numbered),
        "appendix_value": typed.get("appendix", section.appendix),
        "figures_url": reverse("plans:plan_figures", args=[section.plan.code]) + f"?onderdeel={section.code.hex}",
        "adopted": section.plan.status == Plan.Status.ADOPTED,
    }


@require_http_methods(["GET", "POST"])
@login_required
def plan_history_view(request: HttpRequest, code) -> HttpResponse:
    """Every revision of the plan with what changed per section; restore a section or all."""
    from .history import plan_history

    plan = get_plan_for_user(request.user, code, roles=(COORDINATOR,))
    if request.method == "POST":
        try:
            revision_id = int(request.POST.get("revision_id", ""))
            if request.POST.get("section_id"):
                services.section_restore(plan=plan, revision_id=revision_id, section_id=int(request.POST["section_id"]))
                messages.success(request, _("Het onderdeel is teruggezet. Dat is zelf een nieuwe versie."))
            else:
                services.plan_restore(plan=plan, revision_id=revision_id)
                messages.success(request, _("Het plan is teruggezet. Dat is zelf een nieuwe versie."))
        except ValueError:
            raise Http404 from None
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("plans:plan_history", code=plan.code)
    return render(
        request,
        "plans/plan_history.html",
        {"plan": plan, "revisions": plan_history(plan), "adopted": plan.status == Plan.Status.ADOPTED},
    )


@require_http_methods(["GET", "POST"])
@login_required_keep_draft
def plan_comments(request: HttpRequest, code) -> HttpResponse:
    """Review: managers and the coordinator comment per section; the coordinator resolves."""
    from .models import SectionComment

    plan = get_plan_for_user(request.user, code, roles=(COORDINATOR, Membership.Role.MANAGER))
    sections = list(plan.sections.prefetch_related("comments__user", "comments__resolved_by"))
    if request.method == "POST":
        try:
            if request.POST.get("action") == "resolve":
                if plan.user_role != COORDINATOR:
                    raise PermissionDenied
                comment = SectionComment.objects.get(pk=int(request.POST.get("comment", "")), section__plan=plan)
                services.comment_resolve(comment=comment, user=request.user)
                messages.success(request, _("De opmerking is afgehandeld."))
            else:
                section = next((s for s in sections if str(s.pk) == request.POST.get("section")), None)
                if section is None:
                    raise Http404
                services.comment_add(section=section, user=request.user, text=request.POST.get("text", ""))
                messages.success(request, _("Uw opmerking is geplaatst."))
        except (ValueError, SectionComment.DoesNotExist):
            raise Http404 from None
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("plans:plan_comments", code=plan.code)
    draft = draft_take(request)
    return render(
        request,
        "plans/plan_comments.html",
        {
            "plan": plan,
            "sections": sections,
            "in_review": plan.status == Plan.Status.REVIEW,
            "draft_section": draft.get("section", "") if draft else "",
            "draft_text": draft.get("text", "") if draft else "",
        },
    )


def _posted_rows(data) -> list[dict]:
    """The rows of the contributors form in the order they were posted (name, role, url
    are repeated fields, one of each per row)."""
    names, roles, urls = (data.getlist(f"org-{key}") for key in ("name", "role", "url"))
    count = max(len(names), len(roles), len(urls))
    pad = lambda values: values + [""] * (count - len(values))  # noqa: E731
    return [{"name": n, "role": r, "url": u} for n, r, u in zip(pad(names), pad(roles), pad(urls), strict=True)]


def _apply_row_action(rows: list[dict], action: str) -> list[dict]:
    """The buttons of a row without JavaScript: remove it, or move it one place."""
    what, _sep, index = action.partition(":")
    try:
        index = int(index)
    except ValueError:
        return rows
    if not 0 <= index < len(rows):
        return rows
    if what == "remove":
        return rows[:index] + rows[index + 1:]
    target = index + (-1 if what == "up" else 1 if what == "down" else 0)
    if 0 <= target < len(rows) and target != index:
        rows = list(rows)
        rows.insert(target, rows.pop(index))
    return rows


@require_http_methods(["GET", "POST"])
@login_required_keep_draft
def plan_contributors(request: HttpRequest, code) -> HttpResponse:
    """The colophon's contributing organisations, edited as a list: add, change, remove
    and reorder rows (name, role, web address). Every button posts the whole list, so it
    works without JavaScript; with it rows are added, removed and moved in the page
    (also by dragging) and saved together."""
    plan = get_plan_for_user(request.user, code, roles=(COORDINATOR,))
    adopted = plan.status == Plan.Status.ADOPTED
    current = plan.contributors
    context = {"plan": plan, "adopted": adopted, "errors": [], "conflict": None}
    rows, digest, status = current, services.contributors_digest(current), 200
    if request.method == "POST":
        rows = _apply_row_action(_posted_rows(request.POST), request.POST.get("action", ""))
        try:
            services.plan_contributors_update(plan=plan, rows=rows, expected_digest=request.POST.get("digest"))
        except services.StaleContributors as stale:
            context["conflict"] = {"theirs": stale.current}
            context["errors"] = [
                _(
                    "Iemand anders heeft de lijst opgeslagen terwijl u die bewerkte. Hieronder staan beide "
                    "versies; uw lijst staat nog in het formulier. Voeg ze samen en sla opnieuw op."
                )
            ]
            digest, status = services.contributors_digest(stale.current), 409
        except ValidationError as error:
            context["errors"] = error.messages
            status = 400
        else:
            messages.success(request, _("De bijdragende organisaties zijn opgeslagen."))
            return redirect("plans:plan_contributors", code=plan.code)
    else:
        draft = draft_take(request)
        if draft is not None:
            rows = _posted_rows(draft)
            digest = draft.get("digest") or digest
    # One empty row to add an organisation; an adopted plan's list is only shown.
    context.update(rows=rows if adopted else [*rows, {"name": "", "role": "", "url": ""}], digest=digest)
    return render(request, "plans/plan_contributors.html", context, status=status)


def _colophon_initial(plan: Plan) -> dict:
    return {name: getattr(plan, name) for name in services.COLOPHON_FIELDS}


def _posted_revision(data) -> int | None:
    try:
        return int(data.get("revision", ""))
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
@login_required_keep_draft
def plan_colophon(request: HttpRequest, code) -> HttpResponse:
    """The colophon's own fields: title, tagline, publication date, publisher, makers,
    copyright and the text of thanks (rich text). The form carries the plan's revision: a
    save after someone else changed the colophon is refused (409) with both versions side
    by side and the typing kept in the form. With htmx the editor is swapped in place (an
    error is a 200 then: htmx leaves 4xx answers but 409 unswapped); without it a save
    redirects with a message. An adopted plan's colophon is only shown."""
    plan = get_plan_for_user(request.user, code, roles=(COORDINATOR,))
    adopted = plan.status == Plan.Status.ADOPTED
    context = {"plan": plan, "adopted": adopted, "errors": [], "conflict": None}
    revision, status = plan.revision, 200
    form = ColophonForm(initial=_colophon_initial(plan))
    if request.method == "POST":
        form = ColophonForm(request.POST)
        expected = _posted_revision(request.POST)
        if adopted:
            context["errors"] = [str(services.ADOPTED_MESSAGE)]
            form, status = ColophonForm(initial=_colophon_initial(plan)), 400
        elif not form.is_valid():
            status = 400
        elif expected is None:
            context["errors"] = [_("Het formulier mist zijn versienummer. Laad de pagina opnieuw en typ uw wijziging nog eens.")]
            status = 400
        else:
            try:
                services.plan_colophon_update(plan=plan, expected_revision=expected, **form.cleaned_data)
            except services.StaleColophon as stale:
                # Theirs beside ours; the form keeps ours and now carries their revision.
                stored = ColophonForm(initial=_colophon_initial(stale.plan))
                context["conflict"] = {"rows": _changed_fields(form, stored)}
                context["errors"] = [
                    _(
                        "Iemand anders heeft het colofon opgeslagen terwijl u het bewerkte. Hieronder staan beide "
                        "versies; uw tekst staat nog in het formulier. Voeg ze samen en sla opnieuw op."
                    )
                ]
                revision, status = stale.plan.revision, 409
            except ValidationError as error:
                context["errors"] = error.messages
                status = 400
            else:
                messages.success(request, _("Het colofon is opgeslagen."))
                if not request.htmx:
                    return redirect("plans:plan_colophon", code=plan.code)
                form, revision = ColophonForm(initial=_colophon_initial(plan)), plan.revision
        if status == 400 and request.htmx:
            status = 200  # shown in place: htmx swaps no 400
    else:
        draft = draft_take(request)
        if draft is not None and not adopted:
            # What was typed before the login, unsaved, against the revision it was typed at.
            form = ColophonForm(initial={name: draft.get(name, "") for name in services.COLOPHON_FIELDS})
            revision = _posted_revision(draft) or revision
    context.update(form=form, revision=revision, rich_text_media=rich_text_media())
    template = "plans/plan_colophon.html" + ("#editor" if request.htmx else "")
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def plan_cover(request: HttpRequest, code) -> HttpResponse:
    """The cover's photo (upload, replace, remove, with a preview) and the kind of document
    the cover and the running header name. A plain multipart form: it works without
    JavaScript, and a save redirects with a message. An adopted plan's cover is only shown.
    (Not login_required_keep_draft: a file cannot be kept for after the login.)"""
    plan = get_plan_for_user(request.user, code, roles=(COORDINATOR,))
    adopted = plan.status == Plan.Status.ADOPTED
    choices = services.document_type_choices(plan)
    form = CoverForm(initial={"document_type": plan.document_type}, document_types=choices)
    errors, status = [], 200
    if request.method == "POST":
        form = CoverForm(request.POST, request.FILES, document_types=choices)
        if adopted:
            errors, status = [str(services.ADOPTED_MESSAGE)], 400
            form = CoverForm(initial={"document_type": plan.document_type}, document_types=choices)
        elif not form.is_valid():
            status = 400
        else:
            try:
                services.plan_cover_update(
                    plan=plan, document_type=form.cleaned_data["document_type"],
                    cover=form.cleaned_data["cover"], remove_cover=form.cleaned_data["remove_cover"],
                )
            except ValidationError as error:
                errors, status = error.messages, 400
            else:
                messages.success(request, _("De omslag is opgeslagen."))
                return redirect("plans:plan_cover", code=plan.code)
    context = {"plan": plan, "adopted": adopted, "form": form, "errors": errors,
               "max_mb": services.COVER_MAX_MB}
    return render(request, "plans/plan_cover.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def plan_cover_image(request: HttpRequest, code) -> HttpResponse:
    """The plan's cover photo, for everyone with a role in its area (media files are not
    served by themselves in production, and a plan's photo is no more public than the plan)."""
    from django.http import FileResponse

    plan = get_plan_for_user(request.user, code)
    name = plan.cover_image.name
    extension = name.rsplit(".", 1)[-1].lower() if name else ""
    if extension not in services.COVER_CONTENT_TYPES:
        raise Http404
    try:
        file = plan.cover_image.storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(file, content_type=services.COVER_CONTENT_TYPES[extension])
    # The address names the file (?v=…): a new photo is a new address, so it may be kept.
    response["Cache-Control"] = "private, max-age=86400"
    return response


@require_http_methods(["GET", "POST"])
@login_required_keep_draft
def plan_new(request: HttpRequest, code) -> HttpResponse:
    """Start a plan for an area from one of its organisation's templates (or empty)."""
    from django.utils import timezone

    from gebiedsplan.numbers import number_from_post

    area = get_area_for_user(request.user, code, roles=(COORDINATOR,))
    templates = list(area.organisation.templates.order_by("order", "name"))
    values = {"template": str(templates[0].pk) if templates else "", "year": str(timezone.now().year + 1), "title": ""}
    errors = []
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip() for name in values}
        template = next((t for t in templates if str(t.pk) == values["template"]), None)
        if values["template"] and template is None:
            raise Http404
        try:
            year = number_from_post(values["year"], default=None)
        except ValueError as error:
            errors.append(_("Eerste jaar: %(problem)s") % {"problem": error.args[0]})
            year = None
        if year is None and not errors:
            errors.append(_("Vul het eerste jaar van het plan in."))
        elif year is not None and not 2000 <= year <= 2100:
            errors.append(_("Het eerste jaar ligt tussen 2000 en 2100."))
        if not errors:
            try:
                plan = services.plan_create(area=area, period_start=year, template=template, title=values["title"])
            except ValidationError as error:
                errors.extend(error.messages)
            else:
                messages.success(request, _("%(heading)s is gemaakt. Vul nu de onderdelen.") % {"heading": plan.heading})
                return redirect("plans:plan_edit", code=plan.code)
    return render(
        request,
        "plans/plan_new.html",
        {"area": area, "templates": templates, "values": values, "errors": errors},
        status=400 if errors else 200,
    )
