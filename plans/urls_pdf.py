"""URL patterns of the plan PDF; plans/urls.py adds them to the "plans" namespace."""

from django.urls import path

from . import views_pdf

urlpatterns = [
    path("plannen/<uuid:code>/pdf/", views_pdf.plan_pdf, name="plan_pdf"),
    path(
        "plannen/<uuid:code>/pdf/<uuid:export_code>/",
        views_pdf.plan_pdf_status,
        name="plan_pdf_status",
    ),
    path(
        "plannen/<uuid:code>/pdf/<uuid:export_code>/download/",
        views_pdf.plan_pdf_download,
        name="plan_pdf_download",
    ),
]
