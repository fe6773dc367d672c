"""The mentorship year's pages: "My mentorships", a match's home (for the
pair, and read-only for the program's coordinators), the agreement,
meetings, and asking the coordinators. Each view asks ``access`` for the
match first: anyone else gets a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import access, selectors, services
from .forms import MeetingForm, SupportRequestForm
from .models import Meeting, SupportKind


def _home(match_id: int, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("mentoring:match", args=[match_id]) + anchor)


def _apply_errors(form, error: services.MentoringError) -> None:
    """A service's refusal shown on the form, next to the field it names."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def my_mentorships(request):
    """The person's mentorships, current and ended, each linking to its home."""
    rows = selectors.mentorship_rows_for(request.user)
    return render(request, "mentoring/mine.html", {"rows": rows})


@login_required
def match_home(request, pk: int):
    seen = access.match_for(request.user, pk)
    home = selectors.match_home(seen, timezone.localdate())
    return render(request, "mentoring/match.html", {"home": home, "match": seen.match, "seen": seen})


@login_required
@require_POST
def agreement_confirm(request, pk: int):
    seen = access.match_for_pair(request.user, pk)
    try:
        services.agreement_confirm(match=seen.match, by=request.user)
    except services.MentoringError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "You confirmed the agreement.")
    return _home(pk, "#agreement")


def _meeting_page(request, seen, form, meeting=None):
    context = {"match": seen.match, "seen": seen, "form": form, "meeting": meeting}
    return render(request, "mentoring/meeting_form.html", context, status=422 if form.is_bound else 200)


@login_required
def meeting_add(request, pk: int):
    seen = access.match_for_pair(request.user, pk)
    if not seen.may_write:
        raise Http404("This mentorship has ended.")
    form = MeetingForm(request.POST or None, match=seen.match)
    if form.is_bound and form.is_valid():
        try:
            services.meeting_log(match=seen.match, by=request.user, **form.cleaned_data)
        except services.MentoringError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Your meeting is logged.")
            return _home(pk, "#meetings")
    return _meeting_page(request, seen, form)


def _own_meeting(request, pk: int, meeting_id: int):
    seen = access.match_for_pair(request.user, pk)
    meeting = get_object_or_404(Meeting, pk=meeting_id, match=seen.match, logged_by=request.user)
    if not seen.may_write:
        raise Http404("This mentorship has ended.")
    return seen, meeting


@login_required
def meeting_edit(request, pk: int, meeting_id: int):
    seen, meeting = _own_meeting(request, pk, meeting_id)
    initial = {
        "met_on": meeting.met_on,
        "minutes": meeting.minutes,
        "format": meeting.format,
        "note": meeting.note,
    }
    form = MeetingForm(request.POST or None, match=seen.match, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.meeting_update(meeting=meeting, by=request.user, **form.cleaned_data)
        except services.MentoringError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "The meeting is changed.")
            return _home(pk, "#meetings")
    return _meeting_page(request, seen, form, meeting)


@login_required
def meeting_delete(request, pk: int, meeting_id: int):
    seen, meeting = _own_meeting(request, pk, meeting_id)
    if request.method == "POST":
        try:
            services.meeting_delete(meeting=meeting, by=request.user)
        except services.MentoringError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The meeting is deleted.")
        return _home(pk, "#meetings")
    return render(
        request, "mentoring/meeting_delete.html", {"match": seen.match, "seen": seen, "meeting": meeting}
    )


@login_required
def support_request(request, pk: int):
    """Ask the coordinators for help, a rematch or an early end (``?kind=``
    preselects the choice)."""
    seen = access.match_for_pair(request.user, pk)
    if not seen.may_write:
        raise Http404("This mentorship has ended.")
    kind = request.GET.get("kind")
    initial = {"kind": kind if kind in SupportKind.values else SupportKind.HELP}
    form = SupportRequestForm(request.POST or None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.support_request_create(match=seen.match, by=request.user, **form.cleaned_data)
        except services.MentoringError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                "We sent your request to the program's coordinators. They will write to you by email.",
            )
            return _home(pk)
    context = {"match": seen.match, "seen": seen, "form": form}
    return render(request, "mentoring/support_request.html", context, status=422 if form.is_bound else 200)
