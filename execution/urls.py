from django.urls import path

from . import views

app_name = "execution"

urlpatterns = [
    path("plannen/<uuid:code>/uitvoering/", views.execution_list, name="execution_list"),
    path("plannen/<uuid:code>/uitvoering/overzicht/", views.execution_overview, name="execution_overview"),
    path("plannen/<uuid:code>/uitvoering/<uuid:ep_code>/", views.execution_detail, name="execution_detail"),
    path("plannen/<uuid:code>/uitvoering/<uuid:ep_code>/bewerken/", views.execution_edit, name="execution_edit"),
    path("plannen/<uuid:code>/uitvoering/<uuid:ep_code>/verwijderen/", views.execution_delete, name="execution_delete"),
    path(
        "plannen/<uuid:code>/uitvoering/<uuid:ep_code>/<slug:kind>/<int:pk>/bewerken/",
        views.item_edit, name="item_edit",
    ),
    path(
        "plannen/<uuid:code>/uitvoering/<uuid:ep_code>/<slug:kind>/<int:pk>/verwijderen/",
        views.item_delete, name="item_delete",
    ),
    path("plannen/<uuid:code>/uitvoering/<uuid:ep_code>/export.<str:fmt>", views.execution_export, name="execution_export"),
    path(
        "plannen/<uuid:code>/uitvoering/<uuid:ep_code>/review/<int:year>/<int:quarter>/",
        views.review_detail, name="review_detail",
    ),
    path("partner/<str:token>/", views.partner_page, name="partner_page"),
]
