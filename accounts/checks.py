"""Deployment checks for sign-in security."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register("security", deploy=True)
def check_shared_cache(app_configs, **kwargs):
    """allauth counts failed logins in the default cache. A per-process cache
    gives each gunicorn worker its own count, so throttling comes late or never."""
    if settings.CACHES["default"]["BACKEND"] in PER_PROCESS_CACHES:
        return [
            Warning(
                "Login rate limits are counted per process.",
                hint="Set CACHE_URL to a shared cache, e.g. redis://redis:6379/1.",
                id="accounts.W001",
            )
        ]
    return []
