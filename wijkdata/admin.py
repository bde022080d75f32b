from django.contrib import admin

from .models import ImportBatch, Indicator, IndicatorValue, Neighbourhood, NeighbourhoodBoundary


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "year", "parent"]
    list_filter = ["level", "year"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "direction", "category", "order", "owner"]
    list_filter = ["kind", "direction", "category", "owner"]
    search_fields = ["name", "code"]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    list_display = ["indicator", "neighbourhood", "year", "value", "missing_reason", "source", "owner"]
    list_filter = ["year", "owner", "indicator"]
    search_fields = ["neighbourhood__code", "neighbourhood__name", "indicator__name"]
    raw_id_fields = ["neighbourhood", "indicator"]
    list_select_related = ["indicator", "neighbourhood", "owner"]


@admin.register(NeighbourhoodBoundary)
class NeighbourhoodBoundaryAdmin(admin.ModelAdmin):
    list_display = ["neighbourhood", "source", "updated"]
    search_fields = ["neighbourhood__code", "neighbourhood__name"]
    raw_id_fields = ["neighbourhood"]
    list_select_related = ["neighbourhood"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["original_name", "status", "area", "owner", "user", "year", "created", "applied"]
    list_filter = ["status"]
    search_fields = ["original_name", "source"]
    raw_id_fields = ["area", "user"]
    readonly_fields = ["code", "report", "progress", "applied", "error"]
