from django.contrib import admin

from plans.admin import OrganisationScopedAdmin, PlanContentAdmin

from .models import DesignSession, MatrixItem, Participant


@admin.register(MatrixItem)
class MatrixItemAdmin(PlanContentAdmin):
    """Matrix items are plan content: saving one raises the plan's revision."""

    list_display = ["title", "section", "impact", "effort", "order"]
    list_filter = ["impact", "effort"]
    search_fields = ["title", "text"]


class ParticipantInline(admin.TabularInline):
    model = Participant
    fields = ["name", "organisation", "removed", "created"]
    readonly_fields = ["created"]
    extra = 0


@admin.register(DesignSession)
class DesignSessionAdmin(OrganisationScopedAdmin):
    """Sessions are run from the presenter page; the admin shows them (and can remove one).
    Changing a running session here would bypass its event log, hence read-only."""

    organisation_path = "section__plan__area__organisation"
    list_display = ["join_code", "title", "section", "phase", "created", "closed"]
    list_filter = ["phase"]
    readonly_fields = [f.name for f in DesignSession._meta.fields]
    inlines = [ParticipantInline]

    def has_add_permission(self, request):
        return False
