"""Emails sent on events that the apps below notifications announce."""

from __future__ import annotations

from .services import email_coordinator_welcome


def coordinator_added(sender, program, user, membership_id, **kwargs) -> None:
    email_coordinator_welcome(program=program, user=user, membership_id=membership_id)
