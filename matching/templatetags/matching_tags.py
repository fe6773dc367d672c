from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def application_admin_url(application_id) -> str:
    """The application's admin page, or "" while applications have no admin."""
    try:
        return reverse("admin:applications_application_change", args=[application_id])
    except NoReverseMatch:
        return ""
