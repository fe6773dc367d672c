from django.conf import settings

from accounts.sso import ID_TOKEN_SESSION_KEY, sso_app


def site(request):
    """Values every page needs: the site's name, the university login if SSO is
    offered, and whether this session signed in through it (for the logout choice)."""
    session = getattr(request, "session", None)
    return {
        "SITE_NAME": "OLA Mentorship",
        "OIDC_ENABLED": settings.OIDC_ENABLED,
        "SSO_APP": sso_app(),
        "SSO_SESSION": bool(session is not None and session.get(ID_TOKEN_SESSION_KEY)),
    }
