from django.urls import path

from . import views

app_name = "wijkdata"

urlpatterns = [
    path("gebieden/<uuid:code>/cijfers/", views.area_data, name="area_data"),
    path("gebieden/<uuid:code>/cijfers/export/", views.area_export, name="area_export"),
    path("gebieden/<uuid:code>/cijfers/importeren/", views.import_upload, name="import_upload"),
    path("importen/<uuid:code>/", views.import_batch, name="import_batch"),
    path("importen/<uuid:code>/bevestigen/", views.import_confirm, name="import_confirm"),
]
