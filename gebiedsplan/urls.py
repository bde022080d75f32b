from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("inloggen/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("plans.urls")),
    path("", include("wijkdata.urls")),
    path("", include("matrix.urls")),
    path("", include("execution.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
