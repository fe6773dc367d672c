"""Reads for the Learner Mentorship Database.

``opportunity_search`` is the one place that turns a query string into rows:
the list, its facet counts and the Excel export all go through it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, IntegerField, Max, Prefetch, QuerySet, Value, When
from django.db.models.functions import Lower
from django.http import Http404, QueryDict
from django.utils import timezone

from accounts.services import user_is_member
from programs.access import site_staff, user_is_site_staff
from programs.models import LearnerType, Specialty

from .eligibility import learners_compact
from .filters import DEADLINE_CHOICES, OpportunityFilter, deadline_q
from .models import ExportJob, Format, HostType, Kind, Opportunity, OpportunityChange

PAGE_SIZE = 25
DEFAULT_SORT = "name"


def _label_order(field_name: str, choices) -> Case:
    """Order a choice field by its labels, as a person reads them."""
    ordered = sorted(choices, key=lambda choice: choice[1].casefold())
    return Case(
        *(When(**{field_name: value}, then=Value(i)) for i, (value, _) in enumerate(ordered)),
        default=Value(len(ordered)),
        output_field=IntegerField(),
    )


# The sortable columns: query-string key → (column label, ordering expressions).
SORTS: dict[str, tuple[str, list]] = {
    "name": ("Name", [Lower("name")]),
    "kind": ("Kind", [_label_order("kind", Kind.choices), Lower("name")]),
    "host": ("Host", [Lower("host_name"), Lower("name")]),
    "deadline": ("Deadline", [F("deadline"), Lower("name")]),
    "format": ("Format", [_label_order("format", Format.choices), Lower("name")]),
    "last_verified": ("Last verified", [F("last_verified"), Lower("name")]),
}


def parse_sort(value: str | None) -> str:
    """A whitelisted sort key such as ``deadline`` or ``-deadline``."""
    value = (value or "").strip()
    key = value.removeprefix("-")
    return value if key in SORTS else DEFAULT_SORT


def ordering_for(sort: str) -> list:
    descending = sort.startswith("-")
    expressions = []
    for expression in SORTS[sort.lstrip("-")][1]:
        expressions.append(
            expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
        )
    # The primary key breaks ties so pages never overlap.
    expressions.append(F("pk").desc() if descending else F("pk").asc())
    return expressions


@dataclass
class DatabaseView:
    """What a query string selects: the validated filters, the sort and the
    ordered queryset (without prefetches; the caller adds what it shows)."""

    filterset: OpportunityFilter
    sort: str
    queryset: QuerySet
    today: datetime.date
    params: QueryDict = field(repr=False)

    @property
    def active(self) -> dict[str, object]:
        return self.filterset.active_values()

    @cached_property
    def learner_labels(self) -> dict[str, str]:
        """The chosen learner codes that exist → their labels. One query, and
        only when that filter is on."""
        chosen = self.active.get("learners")
        if not chosen:
            return {}
        return dict(LearnerType.objects.filter(code__in=chosen).values_list("code", "label"))

    @cached_property
    def unknown_values(self) -> dict[str, list[str]]:
        """Filter name → the values it was given that name nothing it knows
        (a kind, a deadline, a learner code). Each matches nothing, so the
        list and the download only ever narrow; the page names them."""
        unknown = self.filterset.unknown_values()
        learners = [code for code in self.active.get("learners", []) if code not in self.learner_labels]
        if learners:
            unknown["learners"] = learners
        return unknown

    def unknown_notices(self) -> list[tuple[str, list[str]]]:
        """(filter legend, unknown values) for the page's notice."""
        return [(self.filterset.filters[name].label, values) for name, values in self.unknown_values.items()]

    def query_without_unknown(self) -> str:
        """This query string less the unknown values (and the page number)."""
        query = self.params.copy()
        query.pop("page", None)
        for name, values in self.unknown_values.items():
            query.setlist(name, [v for v in query.getlist(name) if v.replace("\x00", "") not in values])
        return query.urlencode()


def opportunity_search(params: QueryDict, *, today: datetime.date | None = None) -> DatabaseView:
    """The published opportunities that ``params`` (a list's query string)
    selects, filtered and ordered. Used by the list and by the export."""
    today = today or timezone.localdate()
    filterset = OpportunityFilter(params, queryset=Opportunity.objects.published(), today=today)
    sort = parse_sort(params.get("sort"))
    queryset = filterset.qs.order_by(*ordering_for(sort))
    return DatabaseView(filterset=filterset, sort=sort, queryset=queryset, today=today, params=params)


def with_related(queryset: QuerySet) -> QuerySet:
    """Specialties and eligible learners in two queries, however many rows."""
    return queryset.prefetch_related(
        Prefetch("specialties", queryset=Specialty.objects.order_by("name")),
        Prefetch("eligible_learners", queryset=LearnerType.objects.order_by("order", "code")),
    )


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    checked: bool


@dataclass
class Facet:
    name: str
    legend: str
    options: list[FacetOption]

    @property
    def visible_options(self) -> list[FacetOption]:
        """Values that would match something, and any value already chosen."""
        return [o for o in self.options if o.count or o.checked]

    @property
    def is_long(self) -> bool:
        return len(self.visible_options) > 8


def _choice_facet(view, name, legend, choices, counts) -> Facet:
    chosen = {str(v) for v in view.active.get(name, [])}
    return Facet(
        name,
        legend,
        [FacetOption(v, label, counts.get(v, 0), v in chosen) for v, label in choices],
    )


def _named_facet(view, name, legend, counts: dict[str, int]) -> Facet:
    """A facet whose values are names from the data (hosts, specialties), in
    alphabetical order; a chosen name stays listed even when it matches
    nothing (a shared link to a host that has since gone)."""
    for chosen in view.active.get(name, []):
        counts.setdefault(chosen, 0)
    choices = sorted(((value, value) for value in counts), key=lambda c: c[0].casefold())
    return _choice_facet(view, name, legend, choices, counts)


def opportunity_facets(view: DatabaseView) -> list[Facet]:
    """For each filter, how many entries each of its values would show given
    the other active filters. One aggregate query per filter."""
    fs = view.filterset

    def grouped(name: str, column: str) -> dict[str, int]:
        rows = fs.queryset_without(name).order_by().values(column).annotate(n=Count("pk"))
        return {row[column]: row["n"] for row in rows}

    facets = [
        _choice_facet(view, "kind", "Kind", Kind.choices, grouped("kind", "kind")),
        _choice_facet(view, "host_type", "Host type", HostType.choices, grouped("host_type", "host_type")),
    ]

    facets.append(_named_facet(view, "host", "Host", grouped("host", "host_name")))

    specialty_ids = fs.queryset_without("specialty").order_by().values("pk")
    specialty_rows = (
        Opportunity.specialties.through.objects.filter(opportunity_id__in=specialty_ids)
        .values("specialty__name")
        .annotate(n=Count("opportunity_id"))
        .order_by("specialty__name")
    )
    specialties = {row["specialty__name"]: row["n"] for row in specialty_rows}
    facets.append(_named_facet(view, "specialty", "Specialty", specialties))

    learner_ids = fs.queryset_without("learners").order_by().values("pk")
    learner_rows = (
        Opportunity.eligible_learners.through.objects.filter(opportunity_id__in=learner_ids)
        .values("learnertype__code", "learnertype__label", "learnertype__order")
        .annotate(n=Count("opportunity_id"))
        .order_by("learnertype__order", "learnertype__code")
    )
    learner_choices = [(r["learnertype__code"], r["learnertype__label"]) for r in learner_rows]
    learners = {r["learnertype__code"]: r["n"] for r in learner_rows}
    # A chosen type that matches nothing here still shows, by its label; a
    # code that is no learner type is named in the page's notice instead.
    for chosen, label in view.learner_labels.items():
        if chosen not in learners:
            learner_choices.append((chosen, label))
    facets.append(_choice_facet(view, "learners", "Eligible learners", learner_choices, learners))

    deadline_counts = fs.queryset_without("deadline").aggregate(
        **{value: Count("pk", filter=deadline_q(value, view.today)) for value, _ in DEADLINE_CHOICES}
    )
    facets.append(_choice_facet(view, "deadline", "Deadline", DEADLINE_CHOICES, deadline_counts))
    facets.append(_choice_facet(view, "format", "Format", Format.choices, grouped("format", "format")))
    return facets


def describe_filters(view: DatabaseView, *, compact: bool = False) -> list[tuple[str, str]]:
    """The active filters and sort in words, for the list's summary and the
    export's About sheet. ``compact`` writes learner types as the list's rows
    do ("MD 1–2, PGY 1") and leaves out the values the filter does not know,
    which the page names in a notice; the export keeps the labels and quotes
    an unknown value, saying that it matches nothing."""
    labels = {
        "kind": dict(Kind.choices),
        "host_type": dict(HostType.choices),
        "deadline": dict(DEADLINE_CHOICES),
        "format": dict(Format.choices),
        "learners": view.learner_labels,
    }
    described = []
    for name, value in view.active.items():
        legend = view.filterset.filters[name].label
        if isinstance(value, list | tuple):
            unknown = view.unknown_values.get(name, [])
            known = [v for v in value if v not in unknown]
            names = labels.get(name, {})
            if name == "learners" and compact:
                parts = [learners_compact(known, names)] if known else []
            else:
                parts = [str(names.get(v, v)) for v in known]
            if not compact:  # the page names them in its notice instead
                parts += [f"“{v}” (not recognised, matches nothing)" for v in unknown]
            if not parts:
                continue
            text = ", ".join(parts)
        else:
            text = f"“{value}”"
        described.append((legend, text))
    label, _ = SORTS[view.sort.lstrip("-")]
    described.append(("Sorted by", f"{label} ({'descending' if view.sort.startswith('-') else 'ascending'})"))
    return described


def database_last_updated() -> datetime.date | None:
    """The newest change to the published records: the later of the last
    verification and the last edit (one aggregate query; None when empty)."""
    dates = Opportunity.objects.published().aggregate(
        verified=Max("last_verified"), updated=Max("updated_at")
    )
    candidates = [dates["verified"]]
    if dates["updated"] is not None:
        candidates.append(timezone.localdate(dates["updated"]))
    candidates = [d for d in candidates if d is not None]
    return max(candidates) if candidates else None


def user_may_browse(user) -> bool:
    return user_is_member(user)


def opportunity_for_member(user, pk: int) -> Opportunity:
    """An opportunity's page: published ones for members, any for site staff
    (superusers; coordinators are is_staff but do not run this database)."""
    queryset = with_related(Opportunity.objects.all())
    if not user_is_site_staff(user):
        queryset = queryset.published()
    try:
        return queryset.get(pk=pk)
    except Opportunity.DoesNotExist:
        raise Http404("No such opportunity.") from None


def opportunity_history(opportunity: Opportunity) -> QuerySet:
    return OpportunityChange.objects.filter(opportunity=opportunity).select_related("changed_by")


def export_job_for_user(user, job_id) -> ExportJob:
    """The export if ``user`` asked for it or is site staff (a superuser, not
    a coordinator): 404 when there is no such export, 403 for anyone else's."""
    try:
        job = ExportJob.objects.get(pk=job_id)
    except (ExportJob.DoesNotExist, ValueError):
        raise Http404("No such export.") from None
    if not (user.is_authenticated and (job.requested_by_id == user.pk or user_is_site_staff(user))):
        raise PermissionDenied
    return job


def staff_emails() -> list[str]:
    """Who hears about new suggestions: the site staff (superusers)."""
    users = site_staff().exclude(email="")
    return list(users.order_by("email").values_list("email", flat=True))
