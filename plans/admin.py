from django.contrib import admin

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
    PlanExport,
    StrengthOpportunity,
    Theme,
)


class ThemeInline(admin.TabularInline):
    model = Theme
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality_name", "municipality_code"]
    inlines = [ThemeInline]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "code"]
    list_filter = ["organisation"]
    search_fields = ["name"]
    filter_horizontal = ["neighbourhoods"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "area", "role"]
    list_filter = ["role", "area"]


class StrengthOpportunityInline(admin.StackedInline):
    model = StrengthOpportunity
    extra = 0


class FocusPointInline(admin.StackedInline):
    model = FocusPoint
    extra = 0


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["title", "area", "year", "status"]
    list_filter = ["status", "year", "area__organisation"]
    search_fields = ["title", "area__name"]
    inlines = [StrengthOpportunityInline, FocusPointInline, MilestoneInline]


class FigureTableIndicatorInline(admin.TabularInline):
    model = FigureTableIndicator
    extra = 0


class FigureTableNeighbourhoodInline(admin.TabularInline):
    model = FigureTableNeighbourhood
    extra = 0
    raw_id_fields = ["neighbourhood"]


@admin.register(FigureTable)
class FigureTableAdmin(admin.ModelAdmin):
    list_display = ["plan", "heading", "layout", "year"]
    inlines = [FigureTableIndicatorInline, FigureTableNeighbourhoodInline]


admin.site.register(StrengthOpportunity)
admin.site.register(FocusPoint)
admin.site.register(Milestone)


@admin.register(PlanExport)
class PlanExportAdmin(admin.ModelAdmin):
    list_display = ["plan", "status", "progress", "page_count", "archived", "created", "finished"]
    list_filter = ["status", "archived"]
    readonly_fields = [f.name for f in PlanExport._meta.fields]
    list_select_related = ["plan__area"]

    def has_add_permission(self, request):
        return False  # exports are made from the plan page
