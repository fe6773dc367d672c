from django.urls import path

from applications import views as application_views

from . import views

app_name = "programs"

urlpatterns = [
    path("programs/<slug:slug>/", views.program_detail, name="detail"),
    # The application URLs are final; the forms live in the applications app.
    path("programs/<slug:slug>/apply/mentee/", application_views.apply_mentee, name="apply_mentee"),
    path("programs/<slug:slug>/apply/mentor/", application_views.apply_mentor, name="apply_mentor"),
]
