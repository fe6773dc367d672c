"""Writes for matching: run a round as a draft, adjust it, publish it (with
capacity enforced under row locks), pair late applicants, end matches, and
keep the waitlist.

Status changes of applications go through ``application_transition`` (which
emails the applicant, except at publication: the introduction says the
application is matched); introductions go out through the outgoing-email
table, once per match and person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from applications.models import Application, IdentityDisclosure, MentorRole, Role, Status
from applications.services import application_transition
from notifications.services import RenderedEmail, email_queue_template, email_render
from programs.models import Program

from . import scoring
from .models import (
    ChoicePolicy,
    Exclusion,
    Match,
    MatchSource,
    MatchStatus,
    MentorParticipation,
    MentorProfile,
    MentorVerdict,
    RankEntry,
    RankList,
    Round,
    RoundStatus,
    Verdict,
)
from .selectors import (
    MENTOR_STATUSES,
    WAITLIST_STATUSES,
    choices_for,
    eligible_mentors_for,
    ended_pairs,
    in_ranking_scope,
    mentees_who_ranked,
    mentors_in_scope,
    pair_ranks,
    person,
    pool_for,
    ranks_usable,
    round_plan,
    tier_rules_for,
    waitlist,
    weights_for,
    with_matching_data,
)
from .signals import match_ended, match_published

WAITLIST_EMAIL_SIZE = 5
END_REASON_MAX = Match._meta.get_field("end_reason").max_length


class MatchingError(ValidationError):
    pass


# --- Drafts -------------------------------------------------------------------------


@transaction.atomic
def round_run(*, round_: Round, mode: str, by=None, optimal_on_ranks: bool = False, now=None) -> list[Match]:
    """Replace the round's draft with the engine's proposal.

    ``mode`` is "stable" (mentee-proposing deferred acceptance) or "optimal"
    (most mentees matched, then highest total score). Capacities are the
    mentors' places left (capacity minus published matches). Earlier
    proposals of this round are discarded; declined ones stay and keep their
    pairs out.

    A round without a ranking window runs on the coordinator's scores. A round
    with one runs only after the window has closed: stable matching then uses
    the submitted rank lists, completed by the scores
    (``scoring.ranked_preferences``), and optimal matching uses the ranks as
    its scores when ``optimal_on_ranks`` (``scoring.rank_values``). Each
    proposed pair keeps the rank each side gave the other. Sends nothing.
    """
    if not round_.is_draft:
        raise MatchingError("This round is published. Pair late applicants one at a time instead.")
    if mode not in (MatchSource.STABLE, MatchSource.OPTIMAL):
        raise MatchingError(f"Unknown matching mode {mode!r}.")
    choices = _usable_choices(round_, now or timezone.now())
    if optimal_on_ranks and choices is None:
        raise MatchingError("This round has no rank lists: run optimal matching on the scores.")
    Match.objects.filter(round=round_, status=MatchStatus.PROPOSED).delete()
    pool = pool_for(round_)
    result = round_plan(pool, mode=mode, choices=choices, optimal_on_ranks=optimal_on_ranks)

    def ranks(mentee_id: int, mentor_id: int) -> dict:
        if choices is None:
            return {}
        return {
            "mentee_rank": choices.mentee_rank(mentee_id, mentor_id),
            "mentor_rank": choices.mentor_rank(mentee_id, mentor_id),
        }

    matches = Match.objects.bulk_create(
        Match(
            round=round_,
            mentee_id=mentee_id,
            mentor_id=mentor_id,
            status=MatchStatus.PROPOSED,
            source=mode,
            score=pool.pairs[mentee_id, mentor_id].score,
            identity_score=pool.pairs[mentee_id, mentor_id].identity_score,
            reasons=pool.pairs[mentee_id, mentor_id].reasons_json(),
            created_by=by,
            **ranks(mentee_id, mentor_id),
        )
        for mentee_id, mentor_id in result.items()
        if mentor_id is not None
    )
    _mark_draft(round_)
    return matches


def _usable_choices(round_: Round, now) -> scoring.Choices | None:
    """The round's rank lists once its window has closed; None for a round
    without a window."""
    if not round_.has_ranking:
        return None
    _require_ranking_closed(round_, now)
    return choices_for(round_)


def _require_ranking_closed(round_: Round, now) -> None:
    """While the window is open (or not yet open) the lists may still change,
    so the round may not run or publish: a draft made then would ignore
    lists that are still coming."""
    if round_.has_ranking and not ranks_usable(round_, now):
        closes = timezone.localtime(round_.ranking_closes_at)
        raise MatchingError(
            f"Ranking is open until {closes:%-d %B %Y, %H:%M}: run the round after it closes, "
            "so that every rank list counts (or remove the ranking window from the round)."
        )


def _mark_draft(round_: Round) -> None:
    if round_.status != RoundStatus.DRAFT:
        round_.status = RoundStatus.DRAFT
        round_.save(update_fields=["status"])


def _scored_pair(*, round_: Round, mentee: Application, mentor: Application) -> scoring.Suggestion:
    """Score a pair a coordinator picked, or raise MatchingError saying which
    hard rule it breaks. A pair declined in a draft may be picked again by
    hand; an exclusion or an ended match may not."""
    program = round_.program
    if mentee.program_id != program.pk or mentor.program_id != program.pk:
        raise MatchingError("Both applications must belong to this round's program.")
    if mentee.role != Role.MENTEE or mentor.role != Role.MENTOR:
        raise MatchingError("Pick a mentee and a mentor.")
    if round_.tier_id and mentee.tier_id != round_.tier_id:
        raise MatchingError("The mentee applied for another tier than this round's.")
    loaded = {a.pk: a for a in with_matching_data(Application.objects.filter(pk__in=[mentee.pk, mentor.pk]))}
    blocked = ended_pairs(program) | set(
        Exclusion.objects.filter(program=program).values_list("mentee_id", "mentor_id")
    )
    left, right = person(loaded[mentee.pk]), person(loaded[mentor.pk])
    refusal = scoring.refusal(left, right, tier_rules=tier_rules_for(program), blocked=blocked)
    if refusal:
        raise MatchingError(refusal)
    score, reasons = scoring.score_pair(left, right, weights_for(program))
    return scoring.Suggestion(mentee.pk, mentor.pk, score, reasons)


def _require_draft(round_: Round) -> None:
    if not round_.is_draft:
        raise MatchingError("This round is already published; its draft cannot change.")


def _require_proposal(match: Match, round_: Round) -> None:
    if match.round_id != round_.pk or match.status != MatchStatus.PROPOSED:
        raise MatchingError("That pair is no longer a proposal of this round.")


def _places_left(mentor: Application, *, round_: Round | None = None) -> int:
    """Mentor's capacity minus published matches (and this round's proposals)."""
    taken = Match.objects.filter(mentor=mentor, status=MatchStatus.PUBLISHED).count()
    if round_ is not None:
        taken += Match.objects.filter(mentor=mentor, round=round_, status=MatchStatus.PROPOSED).count()
    return (mentor.capacity or 0) - taken


def _check_available(*, mentee: Application, mentor: Application) -> None:
    if (
        mentee.status not in WAITLIST_STATUSES
        or Match.objects.filter(mentee=mentee, status=MatchStatus.PUBLISHED).exists()
    ):
        raise MatchingError(f"{mentee.applicant} is not waiting for a mentor.")
    if mentor.status not in MENTOR_STATUSES:
        raise MatchingError(f"{mentor.applicant} is not an accepted mentor.")


@transaction.atomic
def proposal_remove(*, round_: Round, match: Match, exclude: bool = False, by=None) -> Match:
    """Take a pair out of the draft; the mentee goes back to the waitlist.

    Without ``exclude`` the proposal is deleted: running the round again may
    suggest the pair again. With ``exclude`` the pair is also ruled out for the
    program (an ``Exclusion``, listed under Exclusions in the admin, where it
    can be deleted), so neither the engine nor a coordinator pairs them again.
    Sends nothing. Raises MatchingError when the round is published or the
    pair is no longer one of its proposals."""
    _require_draft(round_)
    _require_proposal(match, round_)
    if exclude:
        Exclusion.objects.get_or_create(
            mentee_id=match.mentee_id,
            mentor_id=match.mentor_id,
            defaults={
                "program": round_.program,
                "created_by": by,
                "reason": f"Removed from the draft of {round_.name}.",
            },
        )
    match.delete()
    return match


@transaction.atomic
def proposal_swap(*, round_: Round, first: Match, second: Match, by=None) -> tuple[Match, Match]:
    """Exchange the mentors of two proposed pairs (each new pair must be allowed).
    Both are rescored, their reasons replaced and marked "by hand"; sends nothing."""
    _require_draft(round_)
    _require_proposal(first, round_)
    _require_proposal(second, round_)
    if first.pk == second.pk or first.mentor_id == second.mentor_id:
        raise MatchingError("Pick two pairs with different mentors to swap.")
    one = _scored_pair(round_=round_, mentee=first.mentee, mentor=second.mentor)
    two = _scored_pair(round_=round_, mentee=second.mentee, mentor=first.mentor)
    for match, suggestion in ((first, one), (second, two)):
        match.mentor_id = suggestion.mentor_id
        match.score = suggestion.score
        match.identity_score = suggestion.identity_score
        match.reasons = suggestion.reasons_json()
        match.source = MatchSource.MANUAL
        match.created_by = by
        match.mentee_rank, match.mentor_rank = pair_ranks(round_, match.mentee_id, match.mentor_id)
        match.save(
            update_fields=[
                "mentor",
                "score",
                "identity_score",
                "reasons",
                "source",
                "created_by",
                "mentee_rank",
                "mentor_rank",
            ]
        )
    return first, second


@transaction.atomic
def proposal_add(*, round_: Round, mentee: Application, mentor: Application, by=None) -> Match:
    """Add a pair to the draft by hand (scored, with its reasons); marks the
    round as a draft. Sends nothing. Raises MatchingError when the round is
    published, either person is not available, the mentee already has a
    proposal, the mentor has no place left in the draft, or a hard rule
    forbids the pair."""
    _require_draft(round_)
    _check_available(mentee=mentee, mentor=mentor)
    if Match.objects.filter(round=round_, mentee=mentee, status=MatchStatus.PROPOSED).exists():
        raise MatchingError(f"{mentee.applicant} already has a proposed mentor. Remove that pair first.")
    if _places_left(mentor, round_=round_) < 1:
        raise MatchingError(f"{mentor.applicant} has no place left in this draft.")
    match = _proposal_by_hand(round_=round_, mentee=mentee, mentor=mentor, by=by)
    _mark_draft(round_)
    return match


def _proposal_by_hand(*, round_: Round, mentee: Application, mentor: Application, by) -> Match:
    """A proposed pair a coordinator picked, scored (MatchingError if a hard rule forbids it)."""
    suggestion = _scored_pair(round_=round_, mentee=mentee, mentor=mentor)
    mentee_rank, mentor_rank = pair_ranks(round_, mentee.pk, mentor.pk)
    return Match.objects.create(
        round=round_,
        mentee=mentee,
        mentor=mentor,
        status=MatchStatus.PROPOSED,
        source=MatchSource.MANUAL,
        score=suggestion.score,
        identity_score=suggestion.identity_score,
        reasons=suggestion.reasons_json(),
        created_by=by,
        mentee_rank=mentee_rank,
        mentor_rank=mentor_rank,
    )


# --- Publishing -------------------------------------------------------------------------


def _publish(matches: list[Match], *, by) -> list[Match]:
    """Publish proposed matches, all or none. Must run inside a transaction.

    The applications involved are locked (in primary-key order, so two
    coordinators publishing at once cannot deadlock) before the mentors'
    published matches are counted: a second publisher waits for the first to
    commit, then counts its matches too. A mentor who would exceed their
    capacity stops the whole publication with a message naming them.
    """
    if not matches:
        raise MatchingError("There are no proposed pairs to publish.")
    ids = sorted({m.mentee_id for m in matches} | {m.mentor_id for m in matches})
    locked = {
        a.pk: a
        for a in Application.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("applicant")
        .order_by("pk")
    }
    new = Counter(m.mentor_id for m in matches)
    used = dict(
        Match.objects.filter(mentor_id__in=new, status=MatchStatus.PUBLISHED)
        .values("mentor_id")
        .annotate(n=Count("id"))
        .values_list("mentor_id", "n")
    )
    taken = set(
        Match.objects.filter(
            mentee_id__in=[m.mentee_id for m in matches], status=MatchStatus.PUBLISHED
        ).values_list("mentee_id", flat=True)
    )
    problems = []
    for mentor_id, count in sorted(new.items()):
        mentor = locked[mentor_id]
        left = (mentor.capacity or 0) - used.get(mentor_id, 0)
        if mentor.status not in MENTOR_STATUSES:
            problems.append(f"{mentor.applicant} is no longer an accepted mentor.")
        elif count > left:
            problems.append(
                f"{mentor.applicant} has room for {max(left, 0)} more "
                f"{ngettext('mentee', 'mentees', max(left, 0))} but {count} "
                f"{ngettext('is', 'are', count)} proposed."
            )
    for match in matches:
        mentee = locked[match.mentee_id]
        if mentee.status not in WAITLIST_STATUSES or mentee.pk in taken:
            problems.append(f"{mentee.applicant} is no longer waiting for a mentor.")
    if problems:
        raise MatchingError(problems)

    now = timezone.now()
    for match in matches:
        match.status = MatchStatus.PUBLISHED
        match.published_at = now
        match.created_by = match.created_by or by
        match.save(update_fields=["status", "published_at", "created_by"])
        mentee, mentor = locked[match.mentee_id], locked[match.mentor_id]
        # One email per person: the introduction says the application is matched.
        locked[mentee.pk] = application_transition(
            application=mentee, to_status=Status.MATCHED, by=by, email_applicant=False
        )
        if mentor.status == Status.ACCEPTED:
            locked[mentor.pk] = application_transition(
                application=mentor, to_status=Status.MATCHED, by=by, email_applicant=False
            )
        match.mentee, match.mentor = locked[mentee.pk], locked[mentor.pk]
        _introduce(match)
        match_published.send(sender=Match, match=match, by=by)
    return matches


def _introduction_context(match: Match) -> dict:
    round_ = match.round
    return {
        "match": match,
        "program": round_.program,
        "tier": round_.tier,
        "mentee": match.mentee.applicant,
        "mentor": match.mentor.applicant,
        "mentee_application": match.mentee,
        "mentor_application": match.mentor,
    }


def _introduce(match: Match) -> None:
    """Email each person the other's name, pronouns and email (never identity
    data), and that their application is now matched."""
    context = _introduction_context(match)
    for role, user in (("mentee", match.mentee.applicant), ("mentor", match.mentor.applicant)):
        email_queue_template(
            name=f"match-introduction-{role}",
            to=user.email,
            context=context,
            dedup_key=f"match-{match.pk}-intro-{role}",
            program=match.round.program,
        )


def introduction_recipients(matches: list[Match]) -> list[tuple[str, Application]]:
    """Who publishing ``matches`` emails, in order: ("mentee"|"mentor", application)."""
    return [(role, getattr(m, role)) for m in matches for role in ("mentee", "mentor")]


def introduction_preview(match: Match, *, role: str = "mentee") -> RenderedEmail:
    """The introduction publishing ``match`` would send to its mentee (or
    mentor), rendered without queueing anything. ``match`` may be unsaved."""
    return email_render(name=f"match-introduction-{role}", context=_introduction_context(match))


def proposal_for_preview(*, round_: Round, mentee: Application, mentor: Application) -> Match:
    """The unsaved match ``match_publish_one`` would publish, scored, for the
    confirmation page. Raises MatchingError as ``match_publish_one`` would."""
    if not round_.takes_rolling_intake:
        raise MatchingError("Publish the round first; until then add pairs to its draft.")
    _check_available(mentee=mentee, mentor=mentor)
    suggestion = _scored_pair(round_=round_, mentee=mentee, mentor=mentor)
    return Match(round=round_, mentee=mentee, mentor=mentor, score=suggestion.score)


@transaction.atomic
def round_publish(*, round_: Round, by=None, match_ids: Iterable[int] | None = None) -> list[Match]:
    """Publish the round's draft: every proposed pair, or none (see _publish).
    The mentees left over stay on the waitlist.

    Side effects: both applications of each pair become "matched"; both
    people are emailed an introduction once, after commit, which also says
    so (no separate status email); the round is marked published.
    With ``match_ids`` (the pairs a coordinator confirmed) nothing is
    published unless they are exactly the draft's pairs now."""
    _require_draft(round_)
    _require_ranking_closed(round_, timezone.now())
    matches = list(
        Match.objects.filter(round=round_, status=MatchStatus.PROPOSED)
        .select_related("round__program", "round__tier")
        .order_by("id")
    )
    if match_ids is not None and sorted(match_ids) != [m.pk for m in matches]:
        raise MatchingError("The draft changed since you reviewed it. Nothing was published: check it again.")
    published = _publish(matches, by=by)
    round_.status = RoundStatus.PUBLISHED
    round_.published_at = timezone.now()
    round_.save(update_fields=["status", "published_at"])
    return published


@transaction.atomic
def match_publish_one(*, round_: Round, mentee: Application, mentor: Application, by=None) -> Match:
    """Rolling intake: after a round is published, pair one late applicant
    with a mentor who has a place left, and publish at once (same side
    effects as ``round_publish``: status changes, introductions once)."""
    if not round_.takes_rolling_intake:
        raise MatchingError("Publish the round first; until then add pairs to its draft.")
    # Lock both applications before the new match row references them: its
    # foreign keys take a share lock on them that _publish would then have
    # to upgrade, and two publishers upgrading at once deadlock.
    list(
        Application.objects.select_for_update(of=("self",))
        .filter(pk__in=sorted([mentee.pk, mentor.pk]))
        .order_by("pk")
    )
    _check_available(mentee=mentee, mentor=mentor)
    match = _proposal_by_hand(round_=round_, mentee=mentee, mentor=mentor, by=by)
    return _publish([match], by=by)[0]


@transaction.atomic
def round_complete(*, round_: Round, by=None) -> Round:
    """Mark a published round complete (its status line on the program page
    says so). Sends nothing; late applicants may still be paired from it."""
    if round_.status != RoundStatus.PUBLISHED:
        raise MatchingError("Only a published round can be marked complete.")
    round_.status = RoundStatus.COMPLETE
    round_.save(update_fields=["status"])
    return round_


# --- Ending, waitlist and capacity ---------------------------------------------------------


@transaction.atomic
def match_end(*, match: Match, reason: str, rematch: bool, by=None, year_end: bool = False) -> Match:
    """End a published match, with a reason. The mentor's place is freed.

    The mentee goes back to "accepted" (and so onto the waitlist, at their
    original place: ``accepted_at`` is kept) when ``rematch``; otherwise their
    application ends. The mentor goes back to "accepted" when no published
    match remains; with one or more left they stay "matched" (still
    matchable while places remain). Coordinators are told about the freed
    place (``capacity_changed``).

    With ``year_end`` (the program year is over: mentoring's
    ``matches_end_at_year_end``) both applications end instead, the mentor's
    once their last published match has ended, and no place is announced.

    Sends ``signals.match_ended`` inside the transaction.
    """
    reason = reason.strip()
    if not reason:
        raise MatchingError("Say why the match ends.")
    if len(reason) > END_REASON_MAX:
        raise MatchingError(f"Keep the reason under {END_REASON_MAX} characters.")
    ids = sorted([match.mentee_id, match.mentor_id])
    list(Application.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    match = Match.objects.select_related("round__program", "mentee", "mentor").get(pk=match.pk)
    if match.status != MatchStatus.PUBLISHED:
        raise MatchingError("Only a published match can end.")
    match.status = MatchStatus.ENDED
    match.ended_at = timezone.now()
    match.end_reason = reason
    match.save(update_fields=["status", "ended_at", "end_reason"])
    note = f"Match ended: {reason}"
    if match.mentee.status == Status.MATCHED:
        application_transition(
            application=match.mentee,
            to_status=Status.ACCEPTED if rematch and not year_end else Status.ENDED,
            by=by,
            note=note,
            note_in_email=False,  # the reason is for coordinators: it may be about the mentee
        )
    if (
        match.mentor.status == Status.MATCHED
        and not Match.objects.filter(mentor=match.mentor, status=MatchStatus.PUBLISHED).exists()
    ):
        application_transition(
            application=match.mentor,
            to_status=Status.ENDED if year_end else Status.ACCEPTED,
            by=by,
            note=note if year_end else "",
            note_in_email=False,
        )
    if not year_end:
        capacity_changed(program=match.round.program, event=f"match-{match.pk}-ended")
    match_ended.send(sender=Match, match=match, rematch=rematch and not year_end, by=by)
    return match


@transaction.atomic
def waitlist_move(*, application: Application, up: bool, by=None) -> None:
    """Move a mentee one place up or down the waitlist of their program and
    tier. The whole list then carries explicit ranks (``waitlist_rank`` is
    written on every waiting application), so the coordinator's order holds;
    mentees accepted later go after it, by time of acceptance. Sends nothing.
    Locks the program row so two moves at once do not interleave."""
    program = Program.objects.select_for_update().get(pk=application.program_id)
    ids = list(waitlist(program, application.tier).values_list("pk", flat=True))
    if application.pk not in ids:
        raise MatchingError("That mentee is not on the waitlist.")
    index = ids.index(application.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ids):
        return
    ids[index], ids[other] = ids[other], ids[index]
    rows = Application.objects.in_bulk(ids)
    for rank, pk in enumerate(ids, 1):
        rows[pk].waitlist_rank = rank
    Application.objects.bulk_update(rows.values(), ["waitlist_rank"])


def application_status_changed(*, application: Application, from_status: str, event: str) -> None:
    """Matching's reaction to every status change of an application (the
    ``application_status_changed`` signal, sent inside ``application_transition``'s
    transaction; see receivers.py).

    A newly accepted mentor brings places: the coordinators hear about the
    waitlist; and gets a mentor profile (``mentor_profile_create_from``). A person who withdraws (or whose application ends) leaves their
    published matches: those end, their mentees go back on the waitlist and
    the mentors' places are freed.
    """
    if application.role == Role.MENTOR and application.status == Status.ACCEPTED:
        # Accepted mentors have a profile for mentees to browse (kept as the
        # mentor left it when they come back from a match).
        mentor_profile_create_from(application)
        if from_status != Status.MATCHED:  # back from a match: match_end tells them
            capacity_changed(program=application.program, event=f"mentor-accepted-{event}")
    elif application.status in (Status.WITHDRAWN, Status.ENDED):
        published = Match.objects.published().filter(Q(mentee=application) | Q(mentor=application))
        verb = "withdrew" if application.status == Status.WITHDRAWN else "left the program"
        ended = [
            match_end(match=match, reason=f"{application.applicant} {verb}.", rematch=True)
            for match in published.order_by("pk")
        ]
        if ended and application.status == Status.WITHDRAWN:
            match_withdrawal_notify(matches=ended, withdrawn=application)


def _withdrawal_context(match: Match, withdrawn: Application) -> dict:
    mentee, mentor = match.mentee.applicant, match.mentor.applicant
    by_mentee = withdrawn.pk == match.mentee_id
    return {
        "match": match,
        "program": match.round.program,
        "mentee": mentee,
        "mentor": mentor,
        "withdrawn": mentee if by_mentee else mentor,
        "other": mentor if by_mentee else mentee,
        "by_mentee": by_mentee,
    }


def match_withdrawal_notify(*, matches: list[Match], withdrawn: Application) -> None:
    """Someone withdrew from their published matches (which have just ended):
    tell each other person, and the program's coordinators (or its contact
    address) in one email for the whole withdrawal, once each, after commit.
    The emails say who withdrew and what happens next, never why (the person
    gave no reason) nor anything about identity."""
    for match in matches:
        context = _withdrawal_context(match, withdrawn)
        email_queue_template(
            name="match-withdrawn-partner",
            to=context["other"].email,
            context=context,
            program=match.round.program,
            dedup_key=f"match-{match.pk}-withdrawn-partner",
        )
    program = matches[0].round.program
    context = {
        **_withdrawal_context(matches[0], withdrawn),
        "ended": [_withdrawal_context(m, withdrawn) for m in matches],
    }
    coordinators = sorted({u.email for u in program.coordinators.filter(is_active=True) if u.email})
    for address in coordinators or [program.contact_email]:
        email_queue_template(
            name="match-withdrawn-coordinator",
            to=address,
            context=context,
            program=program,
            dedup_key=f"withdrawal-{withdrawn.pk}-coordinator-{address}"[:200],
        )


def capacity_changed(*, program: Program, event: str) -> int:
    """Places appeared (a mentor was accepted, a match ended): email the
    program's coordinators the first waitlisted mentees, once per ``event``.
    Returns the number of emails queued (none when nobody waits or no place
    is free, or when they wait to be combined inside ``emails_combined``)."""
    places = sum(
        max((m.capacity or 0) - m.used, 0) for m in mentors_in_scope(program).only("capacity", "program")
    )
    waiting = list(waitlist(program).select_related("applicant", "tier")[:WAITLIST_EMAIL_SIZE])
    if not places or not waiting:
        return 0
    sent = 0
    for coordinator in program.coordinators.filter(is_active=True).order_by("pk"):
        queued = email_queue_template(
            name="waitlist-capacity",
            to=coordinator.email,
            context={"program": program, "waiting": waiting, "places": places, "coordinator": coordinator},
            dedup_key=f"waitlist-capacity-{program.pk}-{event}-{coordinator.pk}",
            program=program,
            # One action that frees places twice (a bulk accept, a withdrawal
            # that ends two matches) sends one email: the last, most recent one.
            combine_key=f"waitlist-capacity-{program.pk}-{coordinator.pk}",
        )
        sent += queued is not None
    return sent


# --- Ranking windows: the emails when one opens and before it closes -----------------

RANKING_REMINDER_BEFORE = timedelta(days=2)
DRAFT_STATUSES = [RoundStatus.PLANNED, RoundStatus.DRAFT]


def ranking_windows_notify(*, now=None) -> int:
    """Beat: email the people of every round whose ranking window has opened
    ("Ranking is open until ...") and, two days before it closes, remind its
    mentees. Each is sent once per window (``_claim``), whatever retries or
    restarts happen. A window shorter than two days gets no reminder: the
    opening email already says when it closes. Returns the emails queued."""
    now = now or timezone.now()
    rounds = Round.objects.filter(status__in=DRAFT_STATUSES).select_related("program", "tier")
    queued = 0
    opening = rounds.filter(
        ranking_opens_at__lte=now, ranking_closes_at__gt=now, ranking_open_notified_at__isnull=True
    )
    for round_ in opening.order_by("pk"):
        queued += ranking_open_notify(round_=round_, now=now)
    closing = rounds.filter(
        ranking_closes_at__gt=now,
        ranking_closes_at__lte=now + RANKING_REMINDER_BEFORE,
        ranking_open_notified_at__lt=F("ranking_closes_at") - RANKING_REMINDER_BEFORE,
        ranking_reminder_notified_at__isnull=True,
    )
    for round_ in closing.order_by("pk"):
        queued += ranking_reminder_notify(round_=round_, now=now)
    return queued


def _claim(round_: Round, field: str, now) -> bool:
    """Mark the round's email ``field`` as sent, unless another run did: a
    conditional update, so of two runs at once only one sends."""
    return bool(Round.objects.filter(pk=round_.pk, **{f"{field}__isnull": True}).update(**{field: now}))


def _ranking_context(round_: Round) -> dict:
    return {
        "round": round_,
        "program": round_.program,
        "tier": round_.tier,
        "closes_at": round_.ranking_closes_at,
        # The round's rank-list page: mentees rank there, mentors rank or mark there.
        "link": reverse("matching:rank_list", args=[round_.pk]),
    }


@transaction.atomic
def ranking_open_notify(*, round_: Round, now) -> int:
    """Tell every waiting mentee in the round's scope that ranking is open
    until the close, and its mentors with a place left too when the program
    asks mentors to rank or mark mentees. Once per window; emails go out
    after commit (one per person, deduplicated by round and application)."""
    if not _claim(round_, "ranking_open_notified_at", now):
        return 0
    mode = ChoicePolicy.for_program(round_.program).mentor_participation
    context = {**_ranking_context(round_), "mentor_mode": mode}
    queued = 0
    for application in waitlist(round_.program, round_.tier).select_related("applicant"):
        queued += _ranking_email(round_, application, "ranking-open-mentee", context, "open")
    if mode != MentorParticipation.SCORES:
        for application in mentors_in_scope(round_.program, round_.tier).select_related("applicant"):
            if (application.capacity or 0) > application.used:
                queued += _ranking_email(round_, application, "ranking-open-mentor", context, "open")
    return queued


@transaction.atomic
def ranking_reminder_notify(*, round_: Round, now) -> int:
    """Remind the round's waiting mentees two days before ranking closes,
    saying whether they have a list yet. Once per window."""
    if not _claim(round_, "ranking_reminder_notified_at", now):
        return 0
    context = _ranking_context(round_)
    with_list = set(
        RankEntry.objects.filter(rank_list__round=round_).values_list("rank_list__owner_id", flat=True)
    )
    queued = 0
    for application in waitlist(round_.program, round_.tier).select_related("applicant"):
        extra = {"has_list": application.pk in with_list}
        queued += _ranking_email(
            round_, application, "ranking-reminder-mentee", {**context, **extra}, "reminder"
        )
    return queued


def _ranking_email(round_: Round, application: Application, name: str, context: dict, kind: str) -> int:
    email = email_queue_template(
        name=name,
        to=application.applicant.email,
        context={**context, "person": application.applicant, "application": application},
        dedup_key=f"round-{round_.pk}-ranking-{kind}-{application.pk}-{round_.ranking_closes_at:%Y%m%d%H%M}",
        program=round_.program,
    )
    return email is not None


# --- Participant choice: mentor profiles, rank lists and verdicts (issue 13) -------


class RankingError(ValidationError):
    """A rank list or verdict that cannot be saved; the message says why, for the person."""


def _headline_from(application: Application) -> str:
    """ "PGY2, Internal Medicine": the mentor's role and year, then their
    department (or first specialties)."""
    year = application.year
    role = {
        MentorRole.RESIDENT: f"PGY{year}" if year else "Resident",
        MentorRole.STUDENT: f"Year {year} medical student" if year else "Medical student",
        MentorRole.CLINICIAN: "Clinician",
    }.get(application.mentor_role, "")
    where = application.department or ", ".join(s.name for s in list(application.specialties.all())[:2])
    headline = ", ".join(part for part in (role, where) if part) or "Mentor"
    return headline[: MentorProfile._meta.get_field("headline").max_length]


@transaction.atomic
def mentor_profile_create_from(application: Application) -> MentorProfile:
    """The mentor's profile, created from their application if they have none
    yet (so a mentor accepted before profiles existed gets one too); an
    existing profile is the mentor's own and is returned untouched. Its
    self-identification starts hidden. No emails, no signals."""
    profile, created = MentorProfile.objects.get_or_create(
        application=application,
        defaults={
            "headline": _headline_from(application),
            "hospital_site": application.hospital_site,
            "meeting_format": application.meeting_format,
            "availability": list(application.availability or []),
        },
    )
    if created:
        profile.specialties.set(application.specialties.all())
        profile.offers.set(application.outcomes.all())
    return profile


@transaction.atomic
def mentor_profile_update(*, profile: MentorProfile, changes: dict) -> MentorProfile:
    """Save what the mentor changed on their profile (``changes``: the
    profile form's cleaned data). Self-identification is shown only for
    dimensions of the mentor's own disclosure (the form offers only those;
    this keeps it so whatever is posted). No emails."""
    changes = dict(changes)
    specialties = changes.pop("specialties", None)
    offers = changes.pop("offers", None)
    shown = changes.pop("shown_identity", None)
    for name, value in changes.items():
        setattr(profile, name, value)
    profile.save()
    if specialties is not None:
        profile.specialties.set(specialties)
    if offers is not None:
        profile.offers.set(offers)
    if shown is not None:
        disclosure = IdentityDisclosure.objects.filter(application=profile.application_id).first()
        own = (
            set(disclosure.dimensions.filter(is_prefer_not=False).values_list("pk", flat=True))
            if disclosure
            else set()
        )
        profile.shown_identity.set([d for d in shown if d.pk in own])
    return profile


def _rankable_ids(round_: Round, owner: Application) -> set[int]:
    """Whom ``owner`` may put on their list: a mentee the mentors they are
    eligible for; a mentor (in programs where mentors rank) the mentees who ranked them."""
    if owner.role == Role.MENTEE:
        return {mentor.pk for mentor in eligible_mentors_for(owner)}
    if ChoicePolicy.for_program(round_.program).mentor_participation != MentorParticipation.RANK:
        raise RankingError(f"In {round_.program.name}, mentors do not rank the mentees.")
    return {mentee.pk for mentee in mentees_who_ranked(round_, owner)}


@transaction.atomic
def rank_list_save(*, round_: Round, owner: Application, candidate_ids: Iterable[int], now=None) -> RankList:
    """Replace ``owner``'s rank list in ``round_`` with ``candidate_ids``, first
    choice first (positions 1..n, without gaps).

    Refused (``RankingError``, nothing saved) when the window is not open, the
    owner does not take part in the round, someone appears twice, a mentee
    lists more than the program's N mentors, or anyone listed may not be
    ranked by the owner. The list's row is locked while its entries are
    rewritten, so two saves at once leave one whole list, never a mix. No emails."""
    now = now or timezone.now()
    candidate_ids = [int(pk) for pk in candidate_ids]
    if not round_.ranking_is_open(now):
        raise RankingError("The ranking window is closed: your list can no longer be changed.")
    if not in_ranking_scope(round_, owner):
        raise RankingError("You do not take part in this round's ranking.")
    if len(set(candidate_ids)) != len(candidate_ids):
        raise RankingError("Each person can be on your list only once.")
    limit = ChoicePolicy.for_program(round_.program).max_ranks
    if owner.role == Role.MENTEE and len(candidate_ids) > limit:
        raise RankingError(f"You can rank up to {limit} mentors: remove one before adding another.")
    if set(candidate_ids) - _rankable_ids(round_, owner):
        raise RankingError("You can only rank the people shown to you for this round.")
    rank_list, _ = RankList.objects.get_or_create(round=round_, owner=owner)
    rank_list = RankList.objects.select_for_update().get(pk=rank_list.pk)
    rank_list.entries.all().delete()
    RankEntry.objects.bulk_create(
        RankEntry(rank_list=rank_list, candidate_id=pk, position=position)
        for position, pk in enumerate(candidate_ids, 1)
    )
    rank_list.save(update_fields=["updated_at"])
    return rank_list


@transaction.atomic
def mentor_verdict_set(
    *, round_: Round, mentor: Application, mentee: Application, verdict: str, now=None
) -> MentorVerdict:
    """A mentor's "happy to mentor" or "rather not" on a mentee who ranked
    them, in programs whose mentors mark rather than rank; changeable until
    the window closes. No emails."""
    now = now or timezone.now()
    if not round_.ranking_is_open(now):
        raise RankingError("The ranking window is closed: your answers can no longer be changed.")
    if ChoicePolicy.for_program(round_.program).mentor_participation != MentorParticipation.VERDICT:
        raise RankingError(f"In {round_.program.name}, mentors do not mark the mentees.")
    if verdict not in Verdict.values:
        raise RankingError("Choose “Happy to mentor” or “Rather not”.")
    if mentee.pk not in {m.pk for m in mentees_who_ranked(round_, mentor)}:
        raise RankingError("You can only answer about the mentees who ranked you.")
    row, _ = MentorVerdict.objects.update_or_create(
        round=round_, mentor=mentor, mentee=mentee, defaults={"verdict": verdict}
    )
    return row


RANK_ACTIONS = ("add", "up", "down", "remove")


def _moved(ids: list[int], action: str, candidate_id: int) -> list[int]:
    ids = list(ids)
    if action == "add":
        return ids if candidate_id in ids else [*ids, candidate_id]
    if candidate_id not in ids:
        return ids
    index = ids.index(candidate_id)
    if action == "remove":
        ids.pop(index)
    elif action == "up" and index > 0:
        ids[index - 1], ids[index] = ids[index], ids[index - 1]
    elif action == "down" and index < len(ids) - 1:
        ids[index + 1], ids[index] = ids[index], ids[index + 1]
    return ids


@transaction.atomic
def rank_list_change(
    *, round_: Round, owner: Application, action: str, candidate_id: int, now=None
) -> tuple[RankList, list[int]]:
    """One step on a rank list, as the page's buttons ask: add someone at the
    end, move them up or down one place, or remove them. The step is applied
    to the list as it is under the lock (two quick clicks each move once).

    People who may no longer be ranked (a mentor now full or excluded, a
    mentee who took their rank away) leave the list on the way; their ids are
    returned so the page can say so. Refused as ``rank_list_save`` refuses."""
    if action not in RANK_ACTIONS:
        raise RankingError("Choose what to do with the person: add, move up, move down or remove.")
    if not round_.ranking_is_open(now or timezone.now()):
        raise RankingError("The ranking window is closed: your list can no longer be changed.")
    rank_list, _ = RankList.objects.get_or_create(round=round_, owner=owner)
    RankList.objects.select_for_update().filter(pk=rank_list.pk).first()
    current = list(rank_list.entries.order_by("position").values_list("candidate_id", flat=True))
    rankable = _rankable_ids(round_, owner)
    dropped = [pk for pk in current if pk not in rankable]
    ids = _moved([pk for pk in current if pk in rankable], action, candidate_id)
    return rank_list_save(round_=round_, owner=owner, candidate_ids=ids, now=now), dropped
