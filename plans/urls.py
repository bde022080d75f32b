from django.urls import path

from . import urls_pdf, views, views_edit, views_figures, views_settings

app_name = "plans"

urlpatterns = [
    path("", views.area_list, name="area_list"),
    path("gebieden/<uuid:code>/nieuw-plan/", views_edit.plan_new, name="plan_new"),
    path("plannen/<uuid:code>/", views.plan_detail, name="plan_detail"),
    path("openbaar/<uuid:public_code>/", views.plan_public, name="plan_public"),
    path("openbaar/<uuid:public_code>/pdf/", views.plan_public_pdf, name="plan_public_pdf"),
    path("plannen/<uuid:code>/cijfers/", views_figures.plan_figures, name="plan_figures"),
    path("plannen/<uuid:code>/bewerken/", views_edit.plan_edit, name="plan_edit"),
    path("plannen/<uuid:code>/bijdragers/", views_edit.plan_contributors, name="plan_contributors"),
    path("plannen/<uuid:code>/colofon/", views_edit.plan_colophon, name="plan_colophon"),
    path("plannen/<uuid:code>/omslag/", views_edit.plan_cover, name="plan_cover"),
    path("plannen/<uuid:code>/omslag/foto/", views_edit.plan_cover_image, name="plan_cover_image"),
    path("plannen/<uuid:code>/geschiedenis/", views_edit.plan_history_view, name="plan_history"),
    path("plannen/<uuid:code>/opmerkingen/", views_edit.plan_comments, name="plan_comments"),
    path("plannen/<uuid:code>/onderdelen/<uuid:section_code>/", views_edit.section_edit, name="section_edit"),
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
