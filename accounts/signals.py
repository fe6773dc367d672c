"""Receivers for sign-in events."""

from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

# When a staff session last saw a request (seconds since the epoch); the idle
# timeout in mentorship.middleware reads it.
LAST_ACTIVITY_SESSION_KEY = "last_activity"


@receiver(user_logged_in)
def session_activity_start(sender, request, user, **kwargs):
    """Start the idle clock at sign-in, so the first page does not have to
    write the session."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVITY_SESSION_KEY] = time.time()
