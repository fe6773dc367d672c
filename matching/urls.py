from django.urls import path

from . import views

app_name = "matching"

urlpatterns = [
    path("my/mentorships/", views.my_mentorships, name="mine"),
    # Participant choice (issue 13): profiles, the mentor's own, rank lists.
    path("mentors/", views.mentor_profiles, name="mentor_profiles"),
    path("mentors/<int:pk>/", views.mentor_profile, name="mentor_profile"),
    path("my/mentor-profile/<int:application_id>/", views.mentor_profile_edit, name="mentor_profile_edit"),
    path("my/rankings/<int:round_id>/", views.rank_list, name="rank_list"),
]
