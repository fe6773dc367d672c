from django.apps import AppConfig


class MentoringConfig(AppConfig):
    """The mentorship year: what happens to a match after it is published."""

    name = "mentoring"
    verbose_name = "Mentorship year"
