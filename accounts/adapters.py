from __future__ import annotations

import requests
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.account.utils import filter_users_by_email
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.contrib import messages
from django.shortcuts import render

from .models import User
from .sso import ID_TOKEN_SESSION_KEY, end_session_url, provider_unavailable


class AccountAdapter(DefaultAccountAdapter):
    """allauth's account adapter for the sign-out through the university
    login. The adapter the site runs (settings.ACCOUNT_ADAPTER) is
    notifications.adapters.AccountAdapter, this one with allauth's emails sent
    through the outgoing-email table: accounts sits below notifications."""

    def get_logout_redirect_url(self, request):
        """After "Sign out here and of the university login", go on to the
        provider's end-session page (RP-initiated logout), so that on a shared
        computer the next person is not signed in to the university login either.
        Called before the local session ends, while it still holds the ID token."""
        local = super().get_logout_redirect_url(request)
        if request.method != "POST" or request.POST.get("sso_logout") != "1":
            return local
        if not request.session.get(ID_TOKEN_SESSION_KEY):
            return local
        url = end_session_url(request)
        if url is None:
            messages.warning(
                request,
                "You are signed out of this site, but we could not reach the university login to sign "
                "you out there. Close every browser window to end that session.",
            )
            return local
        return url


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        full = " ".join(part for part in (data.get("first_name"), data.get("last_name")) if part)
        if full and not user.name:
            user.name = full
        return user

    def authenticate_by_email(self, sociallogin):
        """Sign in to an existing account only when both sides vouch for the
        address: the provider says it is verified (allauth checks the claim) and
        the local address is verified too. allauth would otherwise also match an
        unverified local address, and wipe that account's password."""
        for address in sociallogin.email_addresses:
            if not address.verified or not self.can_authenticate_by_email(sociallogin, address.email):
                continue
            local = (
                EmailAddress.objects.filter(email__iexact=address.email, verified=True, user__is_active=True)
                .select_related("user")
                .first()
            )
            if local:
                return local.user, address.email
            invited = self._invited_account(address.email)
            if invited is not None:
                return invited, address.email
        return None

    def _invited_account(self, email: str):
        """An account staff made by inviting a coordinator: no password of its
        own and never signed in, so it holds nothing a stranger could take. The
        provider has just verified the address, which the invitation email was
        sent to: connect, and count the address as verified."""
        user = User.objects.filter(email__iexact=email, is_active=True, last_login__isnull=True).first()
        if user is None or user.has_usable_password():
            return None
        EmailAddress.objects.filter(user=user, email__iexact=email).update(verified=True)
        return user

    def pre_social_login(self, request, sociallogin):
        """A new university login whose email already belongs to a local account
        that we could not safely sign in to: explain, rather than show allauth's
        sign-up form (where typing another address made a second account)."""
        if sociallogin.is_existing or sociallogin.state.get("process") == AuthProcess.CONNECT:
            return
        for address in sociallogin.email_addresses:
            if filter_users_by_email(address.email):
                local_verified = EmailAddress.objects.filter(
                    email__iexact=address.email, verified=True
                ).exists()
                raise ImmediateHttpResponse(
                    render(
                        request,
                        "socialaccount/account_exists.html",
                        {
                            "email": address.email,
                            "provider_verified": address.verified,
                            "local_verified": local_verified,
                        },
                    )
                )

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        """The token, key or userinfo call failed to reach the provider: the same
        friendly page as when discovery fails (accounts.sso), not a generic error."""
        if isinstance(exception, requests.RequestException):
            raise ImmediateHttpResponse(provider_unavailable(request, exception))
