from django.contrib import admin
from django.urls import include, path

import api as intake_api
from accounts import views as account_views
from config import views
from transparency.api import router as transparency_router

# The public report shares the API's OpenAPI document; config wires it because api and
# transparency are siblings that do not import each other.
intake_api.api.add_router("", transparency_router)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("enforcement.urls")),
    path("", include("appeals.urls")),
    path("transparency/", include("transparency.urls")),
    path("inbox/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", intake_api.urls()),
]

# allauth answers its per-IP rate limits with this view (429 with Retry-After).
handler429 = "config.views.too_many_requests"
