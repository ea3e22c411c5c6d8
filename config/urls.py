from django.contrib import admin
from django.urls import include, path

import api as intake_api
from config import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("", include("enforcement.urls")),
    path("", include("appeals.urls")),
    path("inbox/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", intake_api.urls()),
]
