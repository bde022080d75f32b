from django.urls import path

from . import urls_pdf, views, views_figures, views_settings

app_name = "plans"

urlpatterns = [
    path("", views.area_list, name="area_list"),
    path("plannen/<uuid:code>/", views.plan_detail, name="plan_detail"),
    path("plannen/<uuid:code>/cijfers/", views_figures.plan_figures, name="plan_figures"),
    path("organisaties/<uuid:code>/instellingen/", views_settings.organisation_settings, name="organisation_settings"),
    path(
        "organisaties/<uuid:code>/sjablonen/<uuid:template_code>/onderdelen/nieuw/",
        views_settings.template_section,
        name="template_section_add",
    ),
    path(
        "organisaties/<uuid:code>/sjablonen/<uuid:template_code>/onderdelen/<int:section_id>/",
        views_settings.template_section,
        name="template_section",
    ),
]

urlpatterns += urls_pdf.urlpatterns
