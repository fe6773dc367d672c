"""Single sign-on with the university's OpenID provider: the parts allauth leaves to us.

allauth's OpenID Connect views fetch the provider's discovery document before
their own error handling starts, so a provider that is down or slow raised a
`requests` exception straight through to a 500. The views here wrap allauth's
and turn that into a page with the password alternative. They also keep the raw
ID token in the session, which RP-initiated logout needs as `id_token_hint`.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import requests
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

logger = logging.getLogger(__name__)

# The raw ID token of this session's university login, if it used one.
ID_TOKEN_SESSION_KEY = "sso_id_token"


def sso_app() -> dict | None:
    """The configured university login (allauth's app settings), or None without SSO.
    Read from SOCIALACCOUNT_PROVIDERS, which settings fill only when OIDC_ENABLED."""
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    return apps[0] if apps else None


class UniversityOIDCAdapter(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect adapter, keeping the ID token for signing out later.

    Side effect: stores the raw ID token in the session. Stored before allauth logs
    the person in; Django's login keeps session data when it rotates the key.
    """

    def complete_login(self, request: HttpRequest, app, token, **kwargs):
        sociallogin = super().complete_login(request, app, token, **kwargs)
        id_token = kwargs["response"].get("id_token")
        if id_token:
            request.session[ID_TOKEN_SESSION_KEY] = id_token
        return sociallogin


def provider_unavailable(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The page for a provider that is down, slow or answering garbage. Logs a warning."""
    logger.warning(
        "University login unavailable (%s): %s",
        type(exception).__name__,
        exception,
        extra={"path": request.path},
    )
    return render(request, "socialaccount/provider_unavailable.html", status=503)


def _run(view_class, request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = view_class.adapter_view(UniversityOIDCAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist as exc:
        raise Http404 from exc
    except requests.RequestException as exc:
        return provider_unavailable(request, exc)


def login_view(request: HttpRequest, provider_id: str) -> HttpResponse:
    """allauth's openid_connect_login, with the provider's failures handled."""
    return _run(OAuth2LoginView, request, provider_id)


def callback_view(request: HttpRequest, provider_id: str) -> HttpResponse:
    """allauth's openid_connect_callback, with the provider's failures handled."""
    return _run(OAuth2CallbackView, request, provider_id)


def end_session_url(request: HttpRequest) -> str | None:
    """Where to send a person who asked to sign out of the university login too:
    the provider's end_session_endpoint with this session's ID token and a way
    back to the site. None when the session has no ID token or the provider has
    no such endpoint or cannot be reached (logged as a warning)."""
    id_token = request.session.get(ID_TOKEN_SESSION_KEY)
    app = sso_app()
    if not id_token or not app:
        return None
    adapter = UniversityOIDCAdapter(request, app["provider_id"])
    try:
        endpoint = adapter.openid_config.get("end_session_endpoint")
    except (requests.RequestException, ValueError) as exc:
        logger.warning("University login unavailable for sign-out (%s): %s", type(exc).__name__, exc)
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": app["client_id"],
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("home")),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
