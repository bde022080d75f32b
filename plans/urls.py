from django.urls import path

from . import urls_pdf, views

app_name = "plans"

urlpatterns = [
    path("", views.area_list, name="area_list"),
    path("plannen/<uuid:code>/", views.plan_detail, name="plan_detail"),
]

urlpatterns += urls_pdf.urlpatterns
