"""Staff administration: organisations with their themes and plan templates, areas, roles.

Plan content can be corrected here too; every save goes through `plan_touch`, so the
plan's revision (page cache, PDF) moves with it exactly as with the plan services.
"""

from django.contrib import admin
from django.db import transaction

from matrix.models import MatrixItem

from .models import (
    Activity,
    ActivityType,
    Area,
    Card,
    CardKind,
    CardTopic,
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
    PlanExport,
    PlanTemplate,
    PlanTheme,
    Section,
    SurveyAnswer,
    SurveyQuestion,
    TemplateSection,
    Theme,
)
from .services import plan_touch


class OrganisationScopedAdmin(admin.ModelAdmin):
    """Staff who are not superusers see and choose only their own organisations' rows.

    `organisation_path` is the lookup from the model to its organisation.
    """

    organisation_path = "organisation"
    # Foreign keys whose choices are narrowed too: field name -> lookup to the organisation.
    scoped_choices = {
        "organisation": "",
        "area": "organisation",
        "plan": "area__organisation",
        "section": "plan__area__organisation",
        "template": "organisation",
    }

    def _scope(self, request, queryset, path):
        if request.user.is_superuser:
            return queryset
        lookup = f"{path}__staff" if path else "staff"
        return queryset.filter(**{lookup: request.user}).distinct()

    def get_queryset(self, request):
        return self._scope(request, super().get_queryset(request), self.organisation_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        path = self.scoped_choices.get(db_field.name)
        if field is not None and path is not None and hasattr(field, "queryset"):
            field.queryset = self._scope(request, field.queryset, path)
        return field


class ThemeInline(admin.TabularInline):
    model = Theme
    extra = 0
    fields = ["name", "description", "order", "retired"]


class PlanTemplateInline(admin.TabularInline):
    model = PlanTemplate
    extra = 0
    fields = ["name", "document_type", "years", "order"]
    show_change_link = True


@admin.register(Organisation)
class OrganisationAdmin(OrganisationScopedAdmin):
    organisation_path = ""
    list_display = ["name", "municipality_name", "municipality_code"]
    filter_horizontal = ["staff"]
    inlines = [ThemeInline, PlanTemplateInline]


class TemplateSectionInline(admin.StackedInline):
    model = TemplateSection
    extra = 0
    fields = [
        ("kind", "order", "parent"),
        ("heading", "contents_label"),
        ("numbered", "appendix"),
        "intro",
        ("card_rows", "card_kinds"),
    ]


@admin.register(PlanTemplate)
class PlanTemplateAdmin(OrganisationScopedAdmin):
    list_display = ["name", "organisation", "document_type", "years"]
    list_filter = ["organisation"]
    inlines = [TemplateSectionInline]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Area)
class AreaAdmin(OrganisationScopedAdmin):
    list_display = ["name", "organisation", "code"]
    list_filter = ["organisation"]
    search_fields = ["name"]
    filter_horizontal = ["neighbourhoods"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(OrganisationScopedAdmin):
    organisation_path = "area__organisation"
    list_display = ["user", "area", "role"]
    list_filter = ["role", "area"]


class PlanContentAdmin(OrganisationScopedAdmin):
    """Saving or deleting any part of a plan raises its revision, in the same transaction."""

    organisation_path = "section__plan__area__organisation"

    def plan_of(self, obj) -> Plan:
        return obj.plan if hasattr(obj, "plan") else obj.section.plan

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            plan_touch(plan=self.plan_of(obj))

    def save_related(self, request, form, formsets, change):
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            plan_touch(plan=self.plan_of(form.instance))

    def delete_model(self, request, obj):
        plan = self.plan_of(obj)
        with transaction.atomic():
            super().delete_model(request, obj)
            plan_touch(plan=plan)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            plans = {self.plan_of(obj).pk: self.plan_of(obj) for obj in queryset}
            super().delete_queryset(request, queryset)
            for plan in plans.values():
                plan_touch(plan=plan)


class PlanThemeInline(admin.TabularInline):
    model = PlanTheme
    extra = 0
    fields = ["name", "description", "is_focus", "order"]


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ["order", "kind", "heading", "parent", "numbered", "appendix"]
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(PlanContentAdmin):
    organisation_path = "area__organisation"
    list_display = ["title", "area", "document_type", "period_start", "period_end", "status", "revision"]
    list_filter = ["status", "period_start", "area__organisation"]
    search_fields = ["title", "area__name"]
    readonly_fields = ["revision"]
    inlines = [PlanThemeInline, SectionInline]

    def plan_of(self, obj) -> Plan:
        return obj


class CardKindInline(admin.TabularInline):
    model = CardKind
    extra = 0


class CardTopicInline(admin.TabularInline):
    model = CardTopic
    extra = 0


class CardInline(admin.StackedInline):
    model = Card
    extra = 0
    fields = [("kind", "theme", "topic", "order"), "text"]
    exclude = ["plan"]


class FigureTableInline(admin.TabularInline):
    model = FigureTable
    extra = 0
    show_change_link = True


class MatrixItemInline(admin.StackedInline):
    model = MatrixItem
    extra = 0


class FocusPointInline(admin.StackedInline):
    model = FocusPoint
    extra = 0


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class InterventionInline(admin.StackedInline):
    model = Intervention
    extra = 0
    show_change_link = True


class ActivityInline(admin.StackedInline):
    model = Activity
    extra = 0
    show_change_link = True


class GoalInline(admin.StackedInline):
    model = Goal
    extra = 0
    show_change_link = True


class SurveyQuestionInline(admin.StackedInline):
    model = SurveyQuestion
    extra = 0
    show_change_link = True


@admin.register(Section)
class SectionAdmin(PlanContentAdmin):
    organisation_path = "plan__area__organisation"
    list_display = ["heading", "kind", "plan", "order"]
    list_filter = ["kind", "plan__area__organisation"]
    inlines = [
        CardKindInline, CardTopicInline, CardInline, FigureTableInline, MatrixItemInline,
        FocusPointInline, MilestoneInline, InterventionInline, ActivityInline, GoalInline,
        SurveyQuestionInline,
    ]

    def save_formset(self, request, form, formset, change):
        # A card repeats its section's plan (for the same-plan theme constraint).
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, Card):
                instance.plan_id = form.instance.plan_id
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


class FigureTableIndicatorInline(admin.TabularInline):
    model = FigureTableIndicator
    extra = 0


class FigureTableNeighbourhoodInline(admin.TabularInline):
    model = FigureTableNeighbourhood
    extra = 0
    raw_id_fields = ["neighbourhood"]


@admin.register(FigureTable)
class FigureTableAdmin(PlanContentAdmin):
    list_display = ["heading", "section", "layout", "year"]
    inlines = [FigureTableIndicatorInline, FigureTableNeighbourhoodInline]


class InterventionPartnerInline(admin.TabularInline):
    model = InterventionPartner
    extra = 0


@admin.register(Intervention)
class InterventionAdmin(PlanContentAdmin):
    list_display = ["title", "section"]
    inlines = [InterventionPartnerInline]


class ActivityTypeInline(admin.TabularInline):
    model = ActivityType
    extra = 0


@admin.register(Activity)
class ActivityAdmin(PlanContentAdmin):
    list_display = ["title", "section", "theme"]
    inlines = [ActivityTypeInline]


class GoalIndicatorInline(admin.TabularInline):
    model = GoalIndicator
    extra = 0


@admin.register(Goal)
class GoalAdmin(PlanContentAdmin):
    list_display = ["title", "section", "parent"]
    inlines = [GoalIndicatorInline]


class SurveyAnswerInline(admin.TabularInline):
    model = SurveyAnswer
    extra = 0


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(PlanContentAdmin):
    list_display = ["question", "section", "respondents"]
    inlines = [SurveyAnswerInline]


@admin.register(PlanExport)
class PlanExportAdmin(OrganisationScopedAdmin):
    organisation_path = "plan__area__organisation"
    list_display = ["plan", "status", "progress", "page_count", "archived", "created", "finished"]
    list_filter = ["status", "archived"]
    readonly_fields = [f.name for f in PlanExport._meta.fields]
    list_select_related = ["plan__area"]

    def has_add_permission(self, request):
        return False  # exports are made from the plan page
