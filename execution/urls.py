from django.urls import path

from . import views

app_name = "execution"

urlpatterns = [
    path("plannen/<uuid:code>/uitvoering/", views.execution_list, name="execution_list"),
    path("plannen/<uuid:code>/uitvoering/overzicht/", views.execution_overview, name="execution_overview"),
    path("plannen/<uuid:code>/uitvoering/<uuid:ep_code>/", views.execution_detail, name="execution_detail"),
    path("plannen/<uuid:code>/uitvoering/<uuid:ep_code>/export.<str:fmt>", views.execution_export, name="execution_export"),
    path(
        "plannen/<uuid:code>/uitvoering/<uuid:ep_code>/review/<int:year>/<int:quarter>/",
        views.review_detail, name="review_detail",
    ),
    path("partner/<str:token>/", views.partner_page, name="partner_page"),
]
