from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/profile/", views.profile, name="profile"),
    path("staff/audit/", views.audit_log, name="audit-log"),
]
