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

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import ngettext

from applications.models import Application, Role, Status
from applications.services import application_transition
from notifications.services import RenderedEmail, email_queue_template, email_render
from programs.models import Program

from . import engine, scoring
from .models import Exclusion, Match, MatchSource, MatchStatus, Round, RoundStatus
from .selectors import (
    MENTOR_STATUSES,
    WAITLIST_STATUSES,
    ended_pairs,
    mentors_in_scope,
    person,
    pool_for,
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
def round_run(*, round_: Round, mode: str, by=None) -> list[Match]:
    """Replace the round's draft with the engine's proposal.

    ``mode`` is "stable" (mentee-proposing deferred acceptance on preferences
    derived from the scores) or "optimal" (most mentees matched, then highest
    total score). Capacities are the mentors' places left (capacity minus
    published matches). Earlier proposals of this round are discarded;
    declined ones stay and keep their pairs out.
    """
    if not round_.is_draft:
        raise MatchingError("This round is published. Pair late applicants one at a time instead.")
    if mode not in (MatchSource.STABLE, MatchSource.OPTIMAL):
        raise MatchingError(f"Unknown matching mode {mode!r}.")
    Match.objects.filter(round=round_, status=MatchStatus.PROPOSED).delete()
    pool = pool_for(round_)
    if mode == MatchSource.STABLE:
        mentee_prefs, mentor_prefs = scoring.preferences(
            pool.pairs,
            mentee_order=[a.pk for a in pool.mentees],
            mentor_order=[a.pk for a in pool.mentors],
        )
        result = engine.stable_match(mentee_prefs, mentor_prefs, pool.capacities)
    else:
        result = engine.optimal_match({key: s.score for key, s in pool.pairs.items()}, pool.capacities)
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
        )
        for mentee_id, mentor_id in result.items()
        if mentor_id is not None
    )
    _mark_draft(round_)
    return matches


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
        match.save(update_fields=["mentor", "score", "identity_score", "reasons", "source", "created_by"])
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
    waitlist. A person who withdraws (or whose application ends) leaves their
    published matches: those end, their mentees go back on the waitlist and
    the mentors' places are freed.
    """
    if application.role == Role.MENTOR and application.status == Status.ACCEPTED:
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
