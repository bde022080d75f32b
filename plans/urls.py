from django.urls import path

from . import urls_pdf, views, views_figures

app_name = "plans"

urlpatterns = [
    path("", views.area_list, name="area_list"),
    path("plannen/<uuid:code>/", views.plan_detail, name="plan_detail"),
    path("plannen/<uuid:code>/cijfers/", views_figures.plan_figures, name="plan_figures"),
]

urlpatterns += urls_pdf.urlpatterns
