"""An organisation's settings for its coordinators: its themes and its plan templates.

They shape the plans still to be made; an existing plan keeps its own copy of the themes
and its own sections. Every form works without JavaScript (post, then back to the page).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms import PlanTemplateForm, TemplateSectionForm, ThemeForm
from .models import PlanTemplate, TemplateSection
from .sanitize import rich_text_media
from .selectors import get_organisation_for_user
from .services import (
    template_create,
    template_section_delete,
    template_section_move,
    template_section_save,
    theme_add,
    theme_move,
    theme_update,
)


def _settings_url(organisation, anchor: str = "") -> str:
    return reverse("plans:organisation_settings", args=[organisation.code]) + (f"#{anchor}" if anchor else "")


def _post_action(request, organisation) -> HttpResponse | None:
    """Carry out one small action of the settings page; None when the form has errors."""
    action = request.POST.get("action", "")
    themes = organisation.themes.all()
    templates = organisation.templates.all()
    if action == "theme-add":
        form = ThemeForm(request.POST, prefix="new-theme")
        if not form.is_valid():
            return None
        theme_add(organisation=organisation, **form.cleaned_data)
        messages.success(request, _("Het thema is toegevoegd. Het geldt voor nieuwe plannen."))
        return redirect(_settings_url(organisation, "themas"))
    if action in {"theme-rename", "theme-retire", "theme-restore", "theme-up", "theme-down"}:
        theme = _one(themes, request.POST.get("theme"))
        if action == "theme-rename":
            theme_update(theme=theme, name=request.POST.get("name", ""))
        elif action in {"theme-retire", "theme-restore"}:
            theme_update(theme=theme, retired=action == "theme-retire")
        else:
            theme_move(theme=theme, step=-1 if action == "theme-up" else 1)
        messages.success(request, _("Het thema is bijgewerkt. Bestaande plannen houden hun eigen thema's."))
        return redirect(_settings_url(organisation, "themas"))
    if action == "template-add":
        form = PlanTemplateForm(request.POST, prefix="new-template")
        if not form.is_valid():
            return None
        template = template_create(organisation=organisation, **form.cleaned_data)
        messages.success(request, _("Het sjabloon is aangemaakt."))
        return redirect(_settings_url(organisation, f"sjabloon-{template.code.hex[:8]}"))
    if action in {"section-up", "section-down", "section-delete"}:
        section = _one(TemplateSection.objects.filter(template__in=templates), request.POST.get("section"))
        if action == "section-delete":
            template_section_delete(section=section)
        else:
            template_section_move(section=section, step=-1 if action == "section-up" else 1)
        messages.success(request, _("Het sjabloon is bijgewerkt."))
        return redirect(_settings_url(organisation, f"sjabloon-{section.template.code.hex[:8]}"))
    raise Http404


def _one(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (TypeError, ValueError, queryset.model.DoesNotExist):
        raise Http404 from None


@require_http_methods(["GET", "POST"])
@login_required
def organisation_settings(request: HttpRequest, code) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, code, edit=True)
    theme_form = ThemeForm(prefix="new-theme")
    template_form = PlanTemplateForm(prefix="new-template")
    if request.method == "POST":
        try:
            response = _post_action(request, organisation)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(_settings_url(organisation))
        if response is not None:
            return response
        if request.POST.get("action") == "theme-add":
            theme_form = ThemeForm(request.POST, prefix="new-theme")
        else:
            template_form = PlanTemplateForm(request.POST, prefix="new-template")
    templates = list(organisation.templates.prefetch_related("sections"))
    for template in templates:
        sections = sorted(template.sections.all(), key=lambda s: (s.order, s.pk))
        template.tree = [
            (section, [child for child in sections if child.parent_id == section.pk])
            for section in sections
            if section.parent_id is None
        ]
    return render(
        request,
        "plans/organisation_settings.html",
        {
            "organisation": organisation,
            "themes": list(organisation.themes.order_by("order", "name")),
            "templates": templates,
            "theme_form": theme_form,
            "template_form": template_form,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def template_section(request: HttpRequest, code, template_code, section_id: int | None = None) -> HttpResponse:
    """Add a section to a template, or edit one: kind, heading, intro, card kinds."""
    organisation = get_organisation_for_user(request.user, code, edit=True)
    try:
        template = organisation.templates.get(code=template_code)
    except PlanTemplate.DoesNotExist:
        raise Http404 from None
    section = None
    if section_id is not None:
        section = _one(template.sections.all(), section_id)
    form = TemplateSectionForm(request.POST or None, instance=section, template=template)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            template_section_save(template=template, section=section, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Het onderdeel is opgeslagen."))
            return redirect(_settings_url(organisation, f"sjabloon-{template.code.hex[:8]}"))
    return render(
        request,
        "plans/template_section.html",
        {"organisation": organisation, "template": template, "section": section, "form": form,
         "rich_text_media": rich_text_media()},
    )

