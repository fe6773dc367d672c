"""Matching's pages for participants: mentor profiles, rank lists and
requests. ("My mentorships" is mentoring's, where each row leads to the
match's home.)"""

from django.urls import path

from . import views

app_name = "matching"

urlpatterns = [
    # Participant choice (issue 13): profiles, the mentor's own, rank lists.
    path("mentors/", views.mentor_profiles, name="mentor_profiles"),
    path("mentors/<int:pk>/", views.mentor_profile, name="mentor_profile"),
    path("my/mentor-profile/<int:application_id>/", views.mentor_profile_edit, name="mentor_profile_edit"),
    path("my/rankings/<int:round_id>/", views.rank_list, name="rank_list"),
    # Requests after the round (rolling intake): the mentee's side, then the mentor's.
    path("my/requests/", views.my_requests, name="my_requests"),
    path("my/requests/new/<int:mentor_id>/", views.mentor_request_new, name="mentor_request_new"),
    path("my/requests/<int:pk>/withdraw/", views.mentor_request_withdraw, name="mentor_request_withdraw"),
    path("my/requests/for-you/", views.requests_for_me, name="requests_for_me"),
    path("my/requests/for-you/<int:pk>/", views.request_answer, name="request_answer"),
]
