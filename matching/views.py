"""Matching's pages: the coordinators' matching board. ("My mentorships",
with each match's home, is mentoring's.)

The board's pages are routed by ``RoundAdmin.get_urls`` through
``admin.site.admin_view``, which gives them the admin's login, look and
no-cache headers; each asks ``selectors.round_for_coordinator`` (the access
rule of ``programs.access``) for its round. Each board action is one small
handler that calls one service and returns what to tell the coordinator.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from applications.models import Application, Role
from programs import access

from . import selectors, services
from .exports import round_matches_response
from .forms import EndMatchForm
from .models import Match, MatchSource, MatchStatus, Round

# --- The matching board ----------------------------------------------------


def _admin_context(request, round_: Round, title: str, **extra) -> dict:
    return {
        **admin.site.each_context(request),
        "opts": Round._meta,
        "round": round_,
        "title": title,
        **extra,
    }


def _back_to_board(round_: Round) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("admin:matching_round_board", args=[round_.pk]))


def board(request, round_id: int):
    round_ = selectors.round_for_coordinator(request.user, round_id)
    q = request.GET.get("q", "")
    specialty = request.GET.get("specialty", "")
    context = _admin_context(
        request,
        round_,
        f"Matching board: {round_}",
        board=selectors.board_for(round_, user=request.user, q=q, specialty=specialty),
        q=q,
        specialty=specialty,
        statuses=MatchStatus,
    )
    return TemplateResponse(request, "matching/board.html", context)


def suggestions(request, round_id: int, mentee_id: int):
    round_ = selectors.round_for_coordinator(request.user, round_id)
    mentee, rows = selectors.suggestions_for_mentee(round_, mentee_id, user=request.user)
    context = _admin_context(request, round_, f"Mentors for {mentee.applicant}", mentee=mentee, rows=rows)
    return TemplateResponse(request, "matching/suggestions.html", context)


def end_match(request, round_id: int, match_id: int):
    round_ = selectors.round_for_coordinator(request.user, round_id)
    match = get_object_or_404(
        Match.objects.select_related("mentee__applicant", "mentor__applicant"),
        pk=match_id,
        round=round_,
        status=MatchStatus.PUBLISHED,
    )
    form = EndMatchForm(request.POST if request.method == "POST" else None)
    error = ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.match_end(match=match, reason=data["reason"], rematch=data["rematch"], by=request.user)
        except services.MatchingError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"The match of {match} has ended; the mentor's place is free.")
            return _back_to_board(round_)
    context = _admin_context(
        request,
        round_,
        f"End the match of {match}",
        match=match,
        form=form,
        error=error,
        mentor_keeps_other_matches=selectors.mentor_keeps_other_matches(match),
    )
    return TemplateResponse(request, "matching/end_match.html", context, status=422 if form.is_bound else 200)


def export(request, round_id: int):
    return round_matches_response(selectors.round_for_coordinator(request.user, round_id))


# --- The board's actions: one handler each ---------------------------------


def _posted_id(request, name: str) -> int:
    """The id the board's form posted under ``name``; 404 when it is missing
    or not an id (a tampered form), so it never reaches the database as such."""
    return _posted_id_value(request.POST.get(name, ""))


def _posted_id_value(value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise Http404("No such pair or application on this board.")
    return int(value)


def _application(request, round_: Round, name: str, role: str) -> Application:
    return get_object_or_404(
        Application.objects.select_related("applicant"),
        pk=_posted_id(request, name),
        program=round_.program,
        role=role,
    )


def _proposal(request, round_: Round, name: str) -> Match:
    return get_object_or_404(
        Match.objects.select_related("mentee__applicant", "mentor__applicant"),
        pk=_posted_id(request, name),
        round=round_,
    )


def _run(request, round_: Round, mode: str) -> str:
    proposed = services.round_run(round_=round_, mode=mode, by=request.user)
    pairs = ngettext("pair", "pairs", len(proposed))
    return f"{MatchSource(mode).label}: {len(proposed)} {pairs} proposed. Review them, then publish."


def _run_stable(request, round_: Round) -> str:
    return _run(request, round_, MatchSource.STABLE)


def _run_optimal(request, round_: Round) -> str:
    return _run(request, round_, MatchSource.OPTIMAL)


def _remove(request, round_: Round) -> str:
    exclude = request.POST.get("exclude") == "yes"
    match = services.proposal_remove(
        round_=round_, match=_proposal(request, round_, "match"), exclude=exclude, by=request.user
    )
    if exclude:
        return f"Removed {match} and excluded the pair: it is listed under Exclusions."
    return f"Removed {match}. Running the round again may suggest the pair again."


def _swap(request, round_: Round) -> str:
    first = _proposal(request, round_, "first")
    second = _proposal(request, round_, "second")
    show_identity = access.user_sees_identity(request.user, round_.program)
    before = [m.score_for(show_identity=show_identity) for m in (first, second)]
    first, second = services.proposal_swap(round_=round_, first=first, second=second, by=request.user)
    after = [m.score_for(show_identity=show_identity) for m in (first, second)]
    lower = [
        f"{m.mentee.applicant}'s pair went from {old} to {new}"
        for m, old, new in zip((first, second), before, after, strict=True)
        if new < old
    ]
    if lower:
        messages.warning(
            request,
            f"The swap lowers a score: {'; '.join(lower)} (together {sum(before)} before, {sum(after)} now).",
        )
    return f"Swapped: {first} and {second}."


def _add(request, round_: Round) -> str:
    match = services.proposal_add(
        round_=round_,
        mentee=_application(request, round_, "mentee", Role.MENTEE),
        mentor=_application(request, round_, "mentor", Role.MENTOR),
        by=request.user,
    )
    return f"Added {match} to the draft."


def _publish(request, round_: Round) -> str:
    published = services.round_publish(
        round_=round_, by=request.user, match_ids=[_posted_id_value(v) for v in request.POST.getlist("match")]
    )
    return f"Published {len(published)} {ngettext('match', 'matches', len(published))}; introductions are on their way."


def _publish_one(request, round_: Round) -> str:
    match = services.match_publish_one(
        round_=round_,
        mentee=_application(request, round_, "mentee", Role.MENTEE),
        mentor=_application(request, round_, "mentor", Role.MENTOR),
        by=request.user,
    )
    return f"Matched {match}; introductions are on their way."


def _move(request, round_: Round, *, up: bool) -> str:
    mentee = _application(request, round_, "mentee", Role.MENTEE)
    services.waitlist_move(application=mentee, up=up, by=request.user)
    return "Waitlist order changed."


def _move_up(request, round_: Round) -> str:
    return _move(request, round_, up=True)


def _move_down(request, round_: Round) -> str:
    return _move(request, round_, up=False)


def _complete(request, round_: Round) -> str:
    services.round_complete(round_=round_, by=request.user)
    return f"{round_.name} is complete."


BOARD_ACTIONS = {
    "run_stable": _run_stable,
    "run_optimal": _run_optimal,
    "remove": _remove,
    "swap": _swap,
    "add": _add,
    "publish": _publish,
    "publish_one": _publish_one,
    "move_up": _move_up,
    "move_down": _move_down,
    "complete": _complete,
}


# --- Confirmation before anything is emailed --------------------------------


def _confirm_publish(request, round_: Round) -> dict:
    matches = list(
        Match.objects.filter(round=round_, status=MatchStatus.PROPOSED)
        .select_related("round__program", "round__tier", "mentee__applicant", "mentor__applicant")
        .order_by("id")
    )
    if not matches:
        raise services.MatchingError("There are no proposed pairs to publish.")
    return {
        "matches": matches,
        "button": f"Publish {len(matches)} {ngettext('pair', 'pairs', len(matches))} and send the emails",
    }


def _confirm_publish_one(request, round_: Round) -> dict:
    match = services.proposal_for_preview(
        round_=round_,
        mentee=_application(request, round_, "mentee", Role.MENTEE),
        mentor=_application(request, round_, "mentor", Role.MENTOR),
    )
    return {"matches": [match], "button": "Match, publish and send the emails", "pair": match}


CONFIRMED_ACTIONS = {"publish": _confirm_publish, "publish_one": _confirm_publish_one}


def _confirmation(request, round_: Round, action: str) -> TemplateResponse:
    """What publishing would send, and to whom, before anything is sent:
    every introduction's recipient, and the first one rendered."""
    extra = CONFIRMED_ACTIONS[action](request, round_)
    matches = extra["matches"]
    context = _admin_context(
        request,
        round_,
        "Check the introductions before they are sent",
        action=action,
        recipients=services.introduction_recipients(matches),
        preview=services.introduction_preview(matches[0]),
        preview_to=matches[0].mentee.applicant,
        **extra,
    )
    return TemplateResponse(request, "matching/confirm_publish.html", context)


@require_POST
def board_action(request, round_id: int):
    """Run the posted ``action`` (a key of ``BOARD_ACTIONS``), then back to the
    board with what happened, or with what the service refused and why.
    An action that emails people (``CONFIRMED_ACTIONS``) first shows who and
    what, and runs only when that page posts ``confirm=yes``."""
    round_ = selectors.round_for_coordinator(request.user, round_id)
    handler = BOARD_ACTIONS.get(request.POST.get("action", ""))
    if handler is None:
        messages.error(request, "Unknown action.")
        return _back_to_board(round_)
    action = request.POST["action"]
    try:
        if action in CONFIRMED_ACTIONS and request.POST.get("confirm") != "yes":
            return _confirmation(request, round_, action)
        done = handler(request, round_)
    except services.MatchingError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, done)
    return _back_to_board(round_)
