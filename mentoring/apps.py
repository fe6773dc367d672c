from django.apps import AppConfig


class MentoringConfig(AppConfig):
    """The mentorship year: what happens to a match after it is published."""

    name = "mentoring"
    verbose_name = "Mentorship year"

    def ready(self) -> None:
        from matching.models import Match
        from matching.signals import match_ended, match_published

        from . import receivers

        match_published.connect(receivers.match_published, sender=Match, dispatch_uid="mentoring_published")
        match_ended.connect(receivers.match_ended, sender=Match, dispatch_uid="mentoring_ended")
