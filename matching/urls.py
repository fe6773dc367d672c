"""Matching's pages for participants. ("My mentorships" is mentoring's, where
each row leads to the match's home.)"""

app_name = "matching"

urlpatterns: list = []
