from django.contrib import admin

from plans.admin import PlanContentAdmin

from .models import MatrixItem


@admin.register(MatrixItem)
class MatrixItemAdmin(PlanContentAdmin):
    """Matrix items are plan content: saving one raises the plan's revision."""

    list_display = ["title", "section", "impact", "effort", "order"]
    list_filter = ["impact", "effort"]
    search_fields = ["title", "text"]
