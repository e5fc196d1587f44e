from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated

from keten.accounts.views import LoginView

urlpatterns = [
    path("", include("keten.chains.urls")),
    path("", include("keten.events.urls")),
    path("", include("keten.monitor.urls")),
    path("", include("keten.governance.urls")),
    path("", include("keten.scan.urls")),
    path("", include("keten.reports.urls")),
    path("", include("keten.accounts.urls")),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # The schema maps every endpoint and parameter: for logged-in users (session or token) only.
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
        name="api-schema",
    ),
]
