"""Privacy and session rules that apply to every page."""

from __future__ import annotations

import time
from urllib.parse import quote

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from accounts.services import user_has_admin_access
from accounts.signals import LAST_ACTIVITY_SESSION_KEY

IDLE_WRITE_INTERVAL = 60  # seconds
ADMIN_PREFIX = "/admin/"


class PrivateResponseMiddleware:
    """A signed-in person's pages and downloads hold personal data (names,
    contact details, applications, identity): no browser or proxy may keep a
    copy, so the next person at a shared hospital computer cannot go Back to it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class StaffIdleTimeoutMiddleware:
    """Staff and coordinators are signed out after STAFF_SESSION_IDLE_MINUTES
    without a request. Learners keep the ordinary session length."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user_has_admin_access(user):
            now = time.time()
            last = request.session.get(LAST_ACTIVITY_SESSION_KEY)
            if last is not None and now - last > settings.STAFF_SESSION_IDLE_MINUTES * 60:
                logout(request)
                messages.info(
                    request, "You were signed out after a period of inactivity. Please sign in again."
                )
                return redirect_to_login(request.get_full_path())
            # Written at most once a minute, so a busy page does not save the
            # session on every request.
            if last is None or now - last > IDLE_WRITE_INTERVAL:
                request.session[LAST_ACTIVITY_SESSION_KEY] = now
        return self.get_response(request)


class StaffMFAMiddleware:
    """Staff and coordinators see identity data in the admin, so the admin asks
    them to set up an authenticator app first. Sign-in then asks for its code
    (allauth's MFA stage); everyone else may turn it on from their profile."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.path.startswith(ADMIN_PREFIX)
            and user is not None
            and user_has_admin_access(user)
            and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
        ):
            messages.warning(
                request,
                "Set up two-factor authentication to use the administration: "
                "staff and coordinators see applicants' identity data.",
            )
            return redirect(f"{reverse('mfa_activate_totp')}?next={quote(request.get_full_path())}")
        return self.get_response(request)
