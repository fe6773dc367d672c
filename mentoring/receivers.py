"""Mentoring's side of the events matching announces (connected in
``MentoringConfig.ready``). Both run inside matching's transaction."""

from __future__ import annotations

from . import services


def match_published(sender, match, by=None, **kwargs) -> None:
    services.agreement_create(match=match)


def match_ended(sender, match, rematch, by=None, **kwargs) -> None:
    services.support_requests_close(match=match, by=by)
