from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

from applications.models import Availability, HospitalSite, MeetingFormat

register = template.Library()


@register.simple_tag
def application_admin_url(application_id) -> str:
    """The application's admin page, or "" while applications have no admin."""
    try:
        return reverse("admin:applications_application_change", args=[application_id])
    except NoReverseMatch:
        return ""


# --- Participant choice (issue 13): the words for a profile's codes ----------

SITE_LABELS = dict(HospitalSite.choices)
# How a mentor meets, as a mentee reads it ("Meets: in person or virtually").
FORMAT_LABELS = {
    MeetingFormat.IN_PERSON: "In person",
    MeetingFormat.VIRTUAL: "Virtually",
    MeetingFormat.EITHER: "In person or virtually",
}
AVAILABILITY_LABELS = dict(Availability.choices)


@register.filter
def site_label(code: str) -> str:
    return SITE_LABELS.get(code, code)


@register.filter
def format_label(code: str) -> str:
    return FORMAT_LABELS.get(code, code)


@register.filter
def availability_labels(codes) -> str:
    return ", ".join(AVAILABILITY_LABELS.get(code, code) for code in codes or [])


@register.filter
def ordinal(number) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st: "your 2nd choice"."""
    number = int(number)
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
