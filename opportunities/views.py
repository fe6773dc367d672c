from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.services import user_is_member
from mentorship.xlsx import XLSX_CONTENT_TYPE
from programs.access import user_is_site_staff

from . import selectors
from .exports import database_xlsx_response, prepared_export_filename
from .forms import SuggestionForm
from .models import ExportJob
from .services.exports import export_request
from .services.suggestions import suggestion_create


def member_required(view):
    """Members only: anonymous people are sent to log in (and back), signed-in
    people who are not members get a page explaining how to become one."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not selectors.user_may_browse(request.user):
            return render(request, "opportunities/members_only.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _query_without(params, *names: str) -> str:
    query = params.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


# What a link back to the list may carry from the list's query string.
LIST_PARAMS = {
    "q",
    "kind",
    "host_type",
    "host",
    "specialty",
    "learners",
    "deadline",
    "format",
    "sort",
    "page",
}


# The sort menu, in the order people look for it: query value → label.
SORT_OPTIONS = [
    ("name", "Name (A to Z)"),
    ("-name", "Name (Z to A)"),
    ("deadline", "Deadline (soonest first)"),
    ("-deadline", "Deadline (latest first)"),
    ("host", "Host (A to Z)"),
    ("kind", "Kind"),
    ("format", "Format"),
    ("-last_verified", "Recently verified first"),
]


def _sort_options(view) -> list[dict[str, object]]:
    options = [{"value": v, "label": label, "selected": v == view.sort} for v, label in SORT_OPTIONS]
    if not any(o["selected"] for o in options):
        # A sort the menu does not offer (an older link): shown as it is.
        label, _ = selectors.SORTS[view.sort.lstrip("-")]
        descending = " (descending)" if view.sort.startswith("-") else ""
        options.append({"value": view.sort, "label": label + descending, "selected": True})
    return options


def _list_query(params) -> str:
    """The list's own parameters from ``params``: what a link back keeps."""
    query = params.copy()
    for name in list(query):
        if name not in LIST_PARAMS:
            del query[name]
    return query.urlencode()


@require_GET
@member_required
def opportunity_list(request):
    view = selectors.opportunity_search(request.GET)
    paginator = Paginator(selectors.with_related(view.queryset), selectors.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = _query_without(request.GET, "page")
    *active_filters, (_, sort_description) = selectors.describe_filters(view, compact=True)
    return render(
        request,
        "opportunities/list.html",
        {
            "view": view,
            "page": page,
            "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
            "facets": selectors.opportunity_facets(view),
            "search": view.active.get("q", ""),
            "active_filters": active_filters,
            "sort_description": sort_description,
            "sort_options": _sort_options(view),
            "unknown_notices": view.unknown_notices(),
            "query_without_unknown": view.query_without_unknown() if view.unknown_values else "",
            "list_query": _list_query(request.GET),
            "page_query": query,
            "export_query": query,
            "last_updated": selectors.database_last_updated(),
        },
    )


@require_GET
@member_required
def opportunity_detail(request, pk):
    opportunity = selectors.opportunity_for_member(request.user, pk)
    history = selectors.opportunity_history(opportunity)[:20] if user_is_site_staff(request.user) else []
    return render(
        request,
        "opportunities/detail.html",
        {"opportunity": opportunity, "history": history, "list_query": _list_query(request.GET)},
    )


@require_GET
@member_required
def opportunity_export(request):
    """The list's rows as Excel: at once when small, else through a task."""
    view = selectors.opportunity_search(request.GET)
    total = view.queryset.count()
    if total > settings.EXPORT_ASYNC_THRESHOLD:
        job = export_request(
            user=request.user, query_string=_query_without(request.GET, "page"), total_rows=total
        )
        return redirect(job.get_absolute_url())
    return database_xlsx_response(view)


REFRESH_SECONDS = 5


@require_GET
@login_required
def export_status(request, job_id):
    """The "preparing your file" page. While the file is being built the page
    asks the browser to reload it every few seconds (the HTTP Refresh header,
    the same declarative refresh as a meta refresh, no JavaScript), unless the
    person turned that off."""
    job = selectors.export_job_for_user(request.user, job_id)
    waiting = job.status in (ExportJob.Status.PENDING, ExportJob.Status.RUNNING)
    auto_refresh = waiting and request.GET.get("refresh") != "off"
    response = render(
        request,
        "opportunities/export_status.html",
        {"job": job, "waiting": waiting, "auto_refresh": auto_refresh, "refresh_seconds": REFRESH_SECONDS},
    )
    if auto_refresh:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@require_GET
@login_required
def export_download(request, job_id):
    job = selectors.export_job_for_user(request.user, job_id)
    if job.status != ExportJob.Status.DONE or job.is_expired or not job.file:
        raise Http404("This export is not ready, or has expired.")
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404("This export has expired.") from None
    filename = prepared_export_filename(job)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


@login_required
def suggest_new(request):
    """Anyone signed in may propose a new entry (a department or hospital
    contact need not be a member); browsing stays members-only."""
    form = SuggestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        suggestion_create(user=request.user, proposed=form.proposed(), message=form.cleaned_data["message"])
        messages.success(
            request, "Thank you: your suggestion was sent to the staff. We will email you the outcome."
        )
        return redirect("opportunities:list" if user_is_member(request.user) else "home")
    return render(request, "opportunities/suggest.html", {"form": form, "opportunity": None})


@member_required
def suggest_correction(request, pk):
    opportunity = selectors.opportunity_for_member(request.user, pk)
    form = SuggestionForm(request.POST or None, initial=SuggestionForm.initial_for(opportunity))
    if request.method == "POST" and form.is_valid():
        suggestion_create(
            user=request.user,
            opportunity=opportunity,
            proposed=form.proposed(),
            message=form.cleaned_data["message"],
        )
        messages.success(
            request, "Thank you: your correction was sent to the staff. We will email you the outcome."
        )
        return redirect(reverse("opportunities:detail", args=[opportunity.pk]))
    return render(request, "opportunities/suggest.html", {"form": form, "opportunity": opportunity})
