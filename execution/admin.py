from django.contrib import admin

from .models import (
    Action,
    BudgetLine,
    ExecutionPlan,
    PartnerLink,
    PartnerLinkUse,
    ReminderSent,
    Review,
    Target,
)


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0


@admin.register(ExecutionPlan)
class ExecutionPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "lead"]
    list_select_related = ["plan"]
    inlines = [ActionInline, TargetInline, BudgetLineInline]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["execution_plan", "year", "quarter", "completed_at"]
    readonly_fields = ["snapshot", "completed_at"]


@admin.register(PartnerLink)
class PartnerLinkAdmin(admin.ModelAdmin):
    list_display = ["owner", "execution_plan", "expires_at", "revoked_at"]


@admin.register(PartnerLinkUse)
class PartnerLinkUseAdmin(admin.ModelAdmin):
    list_display = ["link", "action", "status", "at", "ip"]
    readonly_fields = [f.name for f in PartnerLinkUse._meta.fields]


admin.site.register(ReminderSent)
