from django.urls import path

from transparency import views

app_name = "transparency"

urlpatterns = [
    path("", views.report, name="report"),
    path("report.csv", views.report_csv, name="report-csv"),
    path("report.json", views.report_json, name="report-json"),
]
