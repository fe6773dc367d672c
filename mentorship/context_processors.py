from django.conf import settings


def site(request):
    """Values every page needs: the site's name and whether SSO is offered."""
    return {"SITE_NAME": "OLA Mentorship", "OIDC_ENABLED": settings.OIDC_ENABLED}
