from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from enforcement import api as intake_api

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("", include("enforcement.urls")),
    path("", include("appeals.urls")),
    path("inbox/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", intake_api.urls()),
]
