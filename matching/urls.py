from django.urls import path

from . import views

app_name = "matching"

urlpatterns = [
    path("my/mentorships/", views.my_mentorships, name="mine"),
]
