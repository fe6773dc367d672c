from django.urls import path

from . import questionnaire_views

app_name = "mentoring"

urlpatterns = [
    # Check-ins and evaluations, and the reminder settings (branch year-schedule).
    path(
        "mentoring/<int:match_id>/questionnaires/<int:questionnaire_id>/",
        questionnaire_views.questionnaire_answer,
        name="questionnaire",
    ),
    path("mentoring/reminders/", questionnaire_views.nudge_settings, name="nudges"),
]
