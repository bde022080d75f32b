from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.area_list, name="area_list"),
    path("plannen/<uuid:code>/", views.plan_detail, name="plan_detail"),
]
