from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("programs/<slug:slug>/apply/mentee/", views.apply_mentee, name="apply_mentee"),
    path("programs/<slug:slug>/apply/mentor/", views.apply_mentor, name="apply_mentor"),
    path("my/applications/", views.my_applications, name="mine"),
    path("my/applications/<int:pk>/", views.application_detail, name="detail"),
    path("my/applications/<int:pk>/edit/", views.application_edit, name="edit"),
    path("my/applications/<int:pk>/identity/", views.application_identity, name="identity"),
    path("my/applications/<int:pk>/withdraw/", views.application_withdraw, name="withdraw"),
]
