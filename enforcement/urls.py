from django.urls import path

from enforcement import views

app_name = "enforcement"

urlpatterns = [
    path("standing/", views.standing, name="standing"),
    path("standing/actions/<int:pk>/", views.case_detail, name="case-detail"),
    path("rules/", views.rule_list, name="rule-list"),
    path("rules/<str:key>/", views.rule_detail, name="rule-detail"),
    path("rules/<str:key>/v<int:number>/", views.rule_version, name="rule-version"),
    path("redress/", views.redress, name="redress"),
]
