"""Matching's pages: mentor profiles, rank lists and requests for
participants, and the coordinators' matching board. ("My mentorships",
with each match's home, is mentoring's.)

The board's pages are routed by ``RoundAdmin.get_urls`` through
``admin.site.admin_view``, which gives them the admin's login, look and
no-cache headers; each asks ``selectors.round_for_coordinator`` (the access
rule of ``programs.access``) for its round. Each board action is one small
handler that calls one service and returns what to tell the coordinator.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from applications.models import Application, MeetingFormat, Role
from programs import access

from . import mentor_requests, selectors, services
from .exports import round_matches_response
from .forms import DeclineRequestForm, EndMatchForm, MentorProfileForm, MentorRequestForm
from .models import (
    ChoicePolicy,
    Match,
    MatchSource,
    MatchStatus,
    MentorParticipation,
    RequestStatus,
    Round,
    Verdict,
)

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
        board=selectors.board_for(
            round_, user=request.user, q=q, specialty=specialty, compare=request.GET.get("compare") == "1"
        ),
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


def _run(request, round_: Round, mode: str, *, on_ranks: bool = False) -> str:
    proposed = services.round_run(round_=round_, mode=mode, by=request.user, optimal_on_ranks=on_ranks)
    pairs = ngettext("pair", "pairs", len(proposed))
    how = " on the ranks" if on_ranks else ""
    return f"{MatchSource(mode).label}{how}: {len(proposed)} {pairs} proposed. Review them, then publish."


def _run_stable(request, round_: Round) -> str:
    return _run(request, round_, MatchSource.STABLE)


def _run_optimal(request, round_: Round) -> str:
    return _run(request, round_, MatchSource.OPTIMAL)


def _run_optimal_ranks(request, round_: Round) -> str:
    return _run(request, round_, MatchSource.OPTIMAL, on_ranks=True)


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
    "run_optimal_ranks": _run_optimal_ranks,
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


# --- Participant choice: mentor profiles and rank lists (issue 13) -------------
#
# Participants' pages, each working without JavaScript: every change on a rank
# list is one small POST form (add, move up, move down, remove), so the
# keyboard and any browser can do it. Who may see what is decided in the
# selectors (``profile_for_viewer``, ``participant_in_round``), which ask
# ``programs.access`` for the coordinator part.


def _chosen_mentee(mentees: list[Application], wanted: str | None) -> Application | None:
    return next((m for m in mentees if str(m.pk) == wanted), mentees[0] if mentees else None)


def _ranking_context(mentee: Application | None) -> dict:
    """The window a mentee can rank in now (the one closing first) and where
    each mentor stands on their list, for the "Add to my list" buttons."""
    if mentee is None:
        return {}
    rounds = selectors.open_rankings_for(mentee, timezone.now())
    if not rounds:
        return {}
    round_ = rounds[0]
    round_.program = mentee.program
    entries = selectors.rank_list_for(round_, mentee)
    return {
        "ranking_round": round_,
        "ranked": {e.candidate_id: e.position for e in entries},
        "max_ranks": ChoicePolicy.for_program(mentee.program).max_ranks,
    }


@login_required
def mentor_profiles(request):
    """The profiles of the mentors a waiting mentee may rank or request, with filters (GET)."""
    mentees = selectors.waiting_mentee_applications(request.user)
    mentee = _chosen_mentee(mentees, request.GET.get("application"))
    filters = selectors.ProfileFilters.from_query(request.GET)
    context = {
        "mentees": mentees,
        "mentee": mentee,
        "filters": filters,
        "formats": MeetingFormat.choices,
        **_ranking_context(mentee),
    }
    if mentee is not None:
        context["listing"] = selectors.profiles_for_mentee(mentee, filters)
    return render(request, "matching/profiles.html", context)


@login_required
def mentor_profile(request, pk: int):
    profile = selectors.profile_for_viewer(request.user, pk)
    program_id = profile.application.program_id
    mentee = next(
        (m for m in selectors.waiting_mentee_applications(request.user) if m.program_id == program_id), None
    )
    context = {
        "profile": profile,
        "identity": selectors.visible_identity(profile),
        "is_own": profile.application.applicant_id == request.user.pk,
        "mentee": mentee,
        **_ranking_context(mentee),
    }
    return render(request, "matching/profile.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def mentor_profile_edit(request, application_id: int):
    """The mentor's own profile, from their accepted (or matched) application."""
    application = selectors.own_mentor_application(request.user, application_id)
    profile = services.mentor_profile_create_from(application)
    disclosure = getattr(application, "identity", None)
    dimensions = (
        [d for d in disclosure.dimensions.all() if not d.is_prefer_not] if disclosure is not None else []
    )
    form = MentorProfileForm(request.POST or None, instance=profile, dimensions=dimensions)
    if request.method == "POST" and form.is_valid():
        services.mentor_profile_update(profile=profile, changes=form.cleaned_data)
        messages.success(request, "Your profile is saved. This is what mentees see.")
        return HttpResponseRedirect(reverse("matching:mentor_profile", args=[profile.pk]))
    return render(request, "matching/profile_edit.html", {"form": form, "profile": profile})


def _safe_next(request, fallback: str) -> str:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return fallback


def _rank_post(request, round_: Round, owner: Application) -> None:
    """Apply one button of the rank list (or a mentor's verdict) and say what happened."""
    try:
        candidate_id = int(request.POST.get("candidate", ""))
    except ValueError:
        messages.error(request, "Choose a person from the list.")
        return
    try:
        if request.POST.get("action") == "verdict":
            mentee = Application.objects.filter(pk=candidate_id, role=Role.MENTEE).first()
            if mentee is None:
                raise services.RankingError("You can only answer about the mentees who ranked you.")
            services.mentor_verdict_set(
                round_=round_, mentor=owner, mentee=mentee, verdict=request.POST.get("verdict", "")
            )
            messages.success(request, f"Your answer about {mentee.applicant} is saved.")
            return
        _, dropped = services.rank_list_change(
            round_=round_, owner=owner, action=request.POST.get("action", ""), candidate_id=candidate_id
        )
    except services.RankingError as error:
        messages.error(request, error.messages[0])
        return
    if dropped:
        messages.info(
            request,
            ngettext(
                "One person can no longer be ranked and was taken off your list.",
                "%(count)d people can no longer be ranked and were taken off your list.",
                len(dropped),
            )
            % {"count": len(dropped)},
        )
    messages.success(request, "Your list is saved.")


@login_required
@require_http_methods(["GET", "POST"])
def rank_list(request, round_id: int):
    """The person's own rank list in a round: a mentee's mentors, or a mentor's
    answer to the mentees who ranked them (as the program asks)."""
    round_, owner = selectors.participant_in_round(request.user, round_id)
    here = reverse("matching:rank_list", args=[round_.pk])
    if request.method == "POST":
        _rank_post(request, round_, owner)
        return HttpResponseRedirect(_safe_next(request, here))
    policy = ChoicePolicy.for_program(round_.program)
    now = timezone.now()
    is_open = round_.ranking_is_open(now)
    entries = selectors.rank_list_for(round_, owner)
    context = {
        "round": round_,
        "owner": owner,
        "policy": policy,
        "is_open": is_open,
        "now": now,
        "entries": entries,
        "participation": MentorParticipation,
    }
    if owner.role == Role.MENTEE:
        rankable = {m.pk for m in selectors.eligible_mentors_for(owner)}
        context["unavailable"] = {e.candidate_id for e in entries} - rankable
        return render(request, "matching/rank_list.html", context)
    mentees = selectors.mentees_who_ranked(round_, owner)
    by_id = {m.pk: m for m in mentees}
    listed = {e.candidate_id for e in entries}
    context.update(
        mentees=mentees,
        details=by_id,
        unlisted=[m for m in mentees if m.pk not in listed],
        unavailable=listed - set(by_id),
        verdicts=selectors.verdicts_of(round_, owner),
        verdict_choices=Verdict.choices,
    )
    return render(request, "matching/mentor_ranking.html", context)


# --- Requests after the round (rolling intake) ------------------------------
#
# The mentee's pages (their requests, and asking a mentor) and the mentor's
# (requests for them, and answering one). Each finds its rows through a
# selector that only returns the signed-in person's own (404 otherwise):
# coordinators read requests in the admin. Nothing changes on a GET.


@login_required
def my_requests(request):
    """The mentee's requests and, per waiting application, whom they may ask next."""
    sections = selectors.request_sections_for(request.user)
    return render(
        request,
        "matching/my_requests.html",
        {"sections": sections, "requests": selectors.requests_made_by(request.user)},
    )


def _mentor_to_ask(mentor_id: int) -> Application:
    return get_object_or_404(
        Application.objects.select_related("applicant", "program", "tier", "learner_type"),
        pk=mentor_id,
        role=Role.MENTOR,
    )


@login_required
def mentor_request_new(request, mentor_id: int):
    """Ask one mentor: GET shows the mentor and a note field, POST sends it.
    Someone with no mentee application in the mentor's program gets a 404;
    a mentee who may not ask this mentor now is told why."""
    mentor = _mentor_to_ask(mentor_id)
    mentee = selectors.mentee_application_for(request.user, mentor.program_id)
    if mentee is None:
        raise Http404("No such mentor for you.")
    round_ = selectors.request_round_for(mentee)
    refusal = mentor_requests.request_refusal(mentee=mentee, mentor=mentor, round_=round_)
    if refusal:
        messages.error(request, refusal)
        return redirect("matching:my_requests")
    form = MentorRequestForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            mentor_requests.mentor_request_create(
                mentee=mentee, mentor=mentor, message=form.cleaned_data["message"], by=request.user
            )
        except services.MatchingError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"Your request was sent to {mentor.applicant}. We will email you their answer.",
            )
            return redirect("matching:my_requests")
    days = ChoicePolicy.for_program(mentor.program).request_reply_days
    return render(
        request,
        "matching/mentor_request_new.html",
        {"mentor": mentor, "profile": getattr(mentor, "mentor_profile", None), "form": form, "days": days},
        status=422 if form.is_bound else 200,
    )


@login_required
@require_POST
def mentor_request_withdraw(request, pk: int):
    mentor_request = selectors.request_for_mentee(request.user, pk)
    try:
        mentor_requests.mentor_request_withdraw(request=mentor_request, by=request.user)
    except services.MatchingError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"You withdrew your request to {mentor_request.mentor.applicant}.")
    return redirect("matching:my_requests")


@login_required
def requests_for_me(request):
    """The requests a mentor received, open ones first."""
    return render(
        request, "matching/requests_for_me.html", {"requests": selectors.requests_received_by(request.user)}
    )


def _answer(request, mentor_request, form: DeclineRequestForm) -> str | None:
    """Run the posted answer; returns what to tell the mentor, or None when
    the decline form has errors."""
    answer = request.POST.get("answer", "")
    if answer == "accept":
        match = mentor_requests.mentor_request_accept(request=mentor_request, by=request.user)
        return f"You accepted. We have introduced you and {match.mentee.applicant} by email."
    if answer == "decline" and form.is_valid():
        mentor_requests.mentor_request_decline(
            request=mentor_request, by=request.user, reason=form.cleaned_data["reason"]
        )
        return "You declined. We have told the mentee, kindly, and the coordinators."
    if answer not in ("accept", "decline"):
        raise services.MatchingError("Choose to accept or to decline.")
    return None


@login_required
def request_answer(request, pk: int):
    """One request, for the mentor asked: what the mentee wrote (never their
    self-identification, and their contact details only once accepted), and
    Accept / Decline, each a POST."""
    mentor_request = selectors.request_for_mentor(request.user, pk)
    form = DeclineRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            done = _answer(request, mentor_request, form)
        except services.MatchingError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("matching:request_answer", pk=mentor_request.pk)
        if done:
            messages.success(request, done)
            return redirect("matching:request_answer", pk=mentor_request.pk)
    return render(
        request,
        "matching/request_answer.html",
        {
            "req": mentor_request,
            "mentee": mentor_request.mentee,
            "form": form,
            "is_open": mentor_request.status == RequestStatus.OPEN,
        },
        status=422 if form.is_bound else 200,
    )
