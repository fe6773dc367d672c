from django.urls import path

from . import views

app_name = "opportunities"

urlpatterns = [
    path("", views.opportunity_list, name="list"),
    path("export.xlsx", views.opportunity_export, name="export"),
    path("exports/<uuid:job_id>/", views.export_status, name="export_status"),
    path("exports/<uuid:job_id>/download/", views.export_download, name="export_download"),
    path("suggest/", views.suggest_new, name="suggest"),
    path("<int:pk>/", views.opportunity_detail, name="detail"),
    path("<int:pk>/suggest/", views.suggest_correction, name="suggest_correction"),
]
