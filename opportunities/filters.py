"""The database's filters: one FilterSet used by the list, its facet counts and
the Excel export, so the download always holds exactly the rows on screen."""

from __future__ import annotations

import datetime
import operator
from functools import reduce

import django_filters
from django import forms
from django.db.models import Q

from .models import Format, HostType, Kind, Opportunity
from .search import search_alternatives

MAX_SEARCH_TERMS = 8


DEADLINE_CHOICES = [
    ("month", "In the next 30 days"),
    ("later", "In more than 30 days"),
    ("rolling", "Rolling"),
    ("none", "No deadline listed"),
    ("passed", "Passed"),
]
DEADLINE_WINDOW_DAYS = 30


def deadline_q(bucket: str, today: datetime.date) -> Q:
    """The rows in one deadline bucket; the buckets do not overlap."""
    soon = today + datetime.timedelta(days=DEADLINE_WINDOW_DAYS)
    fixed = Q(is_rolling=False)
    return {
        "rolling": Q(is_rolling=True),
        "month": fixed & Q(deadline__gte=today, deadline__lte=soon),
        "later": fixed & Q(deadline__gt=soon),
        "passed": fixed & Q(deadline__lt=today),
        "none": fixed & Q(deadline__isnull=True),
    }[bucket]


class AnyValueMultipleChoiceField(forms.MultipleChoiceField):
    """Accepts any value: hosts, specialties and learner types come from the
    data, and an unknown one simply matches nothing (a shared link to a host
    that has since gone shows an empty list rather than an error)."""

    def valid_value(self, value):
        return True

    def to_python(self, value):
        # PostgreSQL refuses NUL characters in text: a value carrying one could
        # match nothing anyway, so the character is dropped rather than sent.
        return [v.replace("\x00", "") for v in super().to_python(value)]


class AnyValueFilter(django_filters.MultipleChoiceFilter):
    field_class = AnyValueMultipleChoiceField


class KnownChoiceFilter(AnyValueFilter):
    """A filter over fixed choices that keeps a value it does not know, so the
    value matches nothing (and the page can name it) instead of the whole
    filter being dropped, which would widen the list and the download."""

    def unknown_values(self, values) -> list[str]:
        known = {str(value) for value, _ in self.extra["choices"]}
        return [v for v in values if v not in known]


class OpportunityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search")
    kind = KnownChoiceFilter(choices=Kind.choices, label="Kind", distinct=False)
    host_type = KnownChoiceFilter(choices=HostType.choices, label="Host type", distinct=False)
    host = AnyValueFilter(field_name="host_name", label="Host", distinct=False)
    specialty = AnyValueFilter(method="filter_specialty", label="Specialty")
    learners = AnyValueFilter(method="filter_learners", label="Eligible learners")
    deadline = KnownChoiceFilter(method="filter_deadline", choices=DEADLINE_CHOICES, label="Deadline")
    format = KnownChoiceFilter(choices=Format.choices, label="Format", distinct=False)

    class Meta:
        model = Opportunity
        fields: list[str] = []

    def __init__(self, *args, today: datetime.date, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)

    # Several values of one filter widen the list (OR); different filters
    # narrow it (AND). Many-to-many filters use a subquery, not a join, so the
    # rows need no DISTINCT and the ordering stays cheap.

    def filter_search(self, queryset, name, value):
        # Every term must match; a term matches when any of its spellings or
        # expansions does ("pediatrics" finds "Paediatrics").
        terms = value.split()[:MAX_SEARCH_TERMS]
        for term in terms:
            alternatives = search_alternatives(term)
            specialty_ids = Opportunity.specialties.through.objects.filter(
                reduce(operator.or_, (Q(specialty__name__icontains=a) for a in alternatives))
            ).values("opportunity_id")
            matches = Q(pk__in=specialty_ids)
            for alternative in alternatives:
                matches |= (
                    Q(name__icontains=alternative)
                    | Q(host_name__icontains=alternative)
                    | Q(description__icontains=alternative)
                    | Q(how_to_join__icontains=alternative)
                )
            queryset = queryset.filter(matches)
        return queryset

    def filter_specialty(self, queryset, name, value):
        through = Opportunity.specialties.through.objects.filter(specialty__name__in=value)
        return queryset.filter(pk__in=through.values("opportunity_id"))

    def filter_learners(self, queryset, name, value):
        through = Opportunity.eligible_learners.through.objects.filter(learnertype__code__in=value)
        return queryset.filter(pk__in=through.values("opportunity_id"))

    def filter_deadline(self, queryset, name, value):
        known = [v for v in value if v in dict(DEADLINE_CHOICES)]
        if not known:
            return queryset.none()
        return queryset.filter(reduce(operator.or_, (deadline_q(v, self.today) for v in known)))

    def active_values(self) -> dict[str, object]:
        """The filters in use, from the validated form: name → value."""
        self.errors  # noqa: B018 - validates the form
        return {k: v for k, v in self.form.cleaned_data.items() if v not in (None, "", [], ())}

    def unknown_values(self) -> dict[str, list[str]]:
        """Values of the fixed-choice filters that are no choice: filter name →
        the values, in the order given. They match nothing."""
        unknown = {}
        for name, value in self.active_values().items():
            flt = self.filters[name]
            if isinstance(flt, KnownChoiceFilter) and (values := flt.unknown_values(value)):
                unknown[name] = values
        return unknown

    def queryset_without(self, name: str):
        """The queryset filtered by every active filter except ``name``: what
        each of that filter's values would match alongside the others."""
        queryset = self.queryset.all()
        for key, value in self.active_values().items():
            if key != name:
                queryset = self.filters[key].filter(queryset, value)
        return queryset
