from django.urls import path

from . import questionnaire_views, views

app_name = "mentoring"

urlpatterns = [
    path("my/mentorships/", views.my_mentorships, name="mine"),
    path("my/mentorships/<int:pk>/", views.match_home, name="match"),
    path("my/mentorships/<int:pk>/agreement/confirm/", views.agreement_confirm, name="agreement_confirm"),
    path("my/mentorships/<int:pk>/meetings/new/", views.meeting_add, name="meeting_add"),
    path("my/mentorships/<int:pk>/meetings/<int:meeting_id>/edit/", views.meeting_edit, name="meeting_edit"),
    path(
        "my/mentorships/<int:pk>/meetings/<int:meeting_id>/delete/",
        views.meeting_delete,
        name="meeting_delete",
    ),
    path("my/mentorships/<int:pk>/ask/", views.support_request, name="ask"),
    # Check-ins and evaluations, and the reminder settings (branch year-schedule).
    path(
        "mentoring/<int:match_id>/questionnaires/<int:questionnaire_id>/",
        questionnaire_views.questionnaire_answer,
        name="questionnaire",
    ),
    path("mentoring/reminders/", questionnaire_views.nudge_settings, name="nudges"),
]
