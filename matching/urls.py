from django.urls import path

from . import views

app_name = "matching"

urlpatterns = [
    path("my/mentorships/", views.my_mentorships, name="mine"),
    # Requests after the round (rolling intake): the mentee's side, then the mentor's.
    path("my/requests/", views.my_requests, name="my_requests"),
    path("my/requests/new/<int:mentor_id>/", views.mentor_request_new, name="mentor_request_new"),
    path("my/requests/<int:pk>/withdraw/", views.mentor_request_withdraw, name="mentor_request_withdraw"),
    path("my/requests/for-you/", views.requests_for_me, name="requests_for_me"),
    path("my/requests/for-you/<int:pk>/", views.request_answer, name="request_answer"),
]
