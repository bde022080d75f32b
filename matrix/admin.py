from django.contrib import admin

from .models import MatrixItem


@admin.register(MatrixItem)
class MatrixItemAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "impact", "effort", "order"]
    list_filter = ["impact", "effort"]
    search_fields = ["title", "text"]
