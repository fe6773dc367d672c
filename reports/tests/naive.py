"""The report's figures computed the simple way: a loop over the rows and a
query per row where the definition needs one. The tests compare the real
selectors with this, and the benchmark times both. It follows the written
definitions (``reports/selectors.py``'s docstring), not the selectors' code.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.utils import timezone

from applications.models import Application, IdentityDimension, Role
from matching.models import Match, RankList
from mentoring.models import Agreement, Meeting, MentoringPolicy, ProgramYear, Questionnaire, Term
from programs.models import Outcome
from reports.selectors import Figures, Scope

WAITING = {"accepted", "waitlisted"}


def _in(day, lo, hi) -> bool:
    return (lo is None or day >= lo) and (hi is None or day <= hi)


def _active(match, lo, hi) -> bool:
    return match.published_at.date() <= hi and (match.ended_at is None or match.ended_at.date() >= lo)


def _applications(scope: Scope) -> list[Application]:
    apps = []
    for app in Application.objects.filter(program=scope.program):
        if scope.tier is not None and app.tier_id != scope.tier.pk:
            continue
        if _in(timezone.localtime(app.submitted_at).date(), scope.intake_from, scope.intake_to):
            apps.append(app)
    return apps


def _matched(app: Application) -> bool:
    field = "mentee" if app.role == Role.MENTEE else "mentor"
    return Match.objects.filter(**{field: app}, published_at__isnull=False).exists()


def _stage(app: Application) -> str:
    if _matched(app):
        return "matched"
    return "accepted" if app.accepted_at else "not_accepted"


def _matches(scope: Scope) -> list[Match]:
    found = []
    for m in Match.objects.filter(round__program=scope.program):
        if m.published_at is None:
            continue
        if scope.tier is not None and Application.objects.get(pk=m.mentee_id).tier_id != scope.tier.pk:
            continue
        if scope.period_to is not None and not _active(m, scope.period_from, scope.period_to):
            continue
        found.append(m)
    return found


def _waitlist(scope: Scope, apps) -> list:
    apps = [app for app in apps if app.role == Role.MENTEE]
    history = {app.pk: list(app.history.order_by("changed_at", "id")) for app in apps}  # a query per row
    times = [c.changed_at for changes in history.values() for c in changes]
    if not times:
        return []
    first = timezone.localtime(min(times)).date()
    last = min(timezone.localdate(), scope.period_to) if scope.period_to else timezone.localdate()
    if scope.period_from:
        first = max(first, scope.period_from)
    months, day = [], first
    while first <= last:
        end = (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        count = 0
        for app in apps:
            before = [c.to_status for c in history[app.pk] if timezone.localtime(c.changed_at).date() <= end]
            if before and before[-1] in WAITING:
                count += 1
        months.append((end, count))
        if end >= last:
            break
        day = end + datetime.timedelta(days=1)
    return months


def report_figures(scope: Scope, *, show_identity: bool) -> Figures:  # noqa: C901 - the point is to be plain
    f = Figures()
    apps = _applications(scope)
    for app in apps:
        f.by_role_status[app.role, app.status] += 1
        f.by_role_stage[app.role, _stage(app)] += 1
    f.waitlist_months = _waitlist(scope, apps)
    for app in apps:
        if app.role == Role.MENTEE and app.accepted_at:
            published = [m.published_at for m in Match.objects.filter(mentee=app) if m.published_at]
            if published:
                f.wait_days.append(max((min(published) - app.accepted_at).days, 0))

    for m in Match.objects.filter(round__program=scope.program, published_at__isnull=False):
        r = m.round
        if r.ranking_opens_at is None or not _in(
            timezone.localtime(r.ranking_closes_at).date(), scope.intake_from, scope.intake_to
        ):
            continue
        if scope.tier is not None and m.mentee.tier_id != scope.tier.pk:
            continue
        f.ranks[m.mentee_rank] += 1
    for rl in RankList.objects.filter(round__program=scope.program):
        r = rl.round
        if r.ranking_opens_at is None or not _in(
            timezone.localtime(r.ranking_closes_at).date(), scope.intake_from, scope.intake_to
        ):
            continue
        if rl.owner.role != Role.MENTEE or not rl.entries.exists():
            continue
        if scope.tier is not None and rl.owner.tier_id != scope.tier.pk:
            continue
        if not Match.objects.filter(round=r, mentee=rl.owner, published_at__isnull=False).exists():
            f.ranked_unmatched += 1

    matches = _matches(scope)
    f.pairs = len(matches)
    for m in matches:
        agreement = Agreement.objects.filter(match=m).first()
        confirmed = (
            [agreement.mentee_confirmed_at, agreement.mentor_confirmed_at] if agreement else [None, None]
        )
        f.agreements[{2: "both", 1: "one", 0: "neither"}[sum(1 for c in confirmed if c)]] += 1
    f.minutes_per_term = MentoringPolicy.for_program(scope.program).minutes_per_term
    terms = [t for t in Term.objects.filter(year__program=scope.program).order_by("starts_on")]
    if scope.term is not None:
        terms = [t for t in terms if t.pk == scope.term.pk]
    elif scope.year is not None:
        terms = [t for t in terms if t.year_id == scope.year.pk]
    for t in terms:
        met = below = count = minutes = 0
        for m in matches:
            in_term = [x for x in Meeting.objects.filter(match=m) if t.starts_on <= x.met_on <= t.ends_on]
            count += len(in_term)
            minutes += sum(x.minutes for x in in_term)
            if _active(m, t.starts_on, t.ends_on):
                if sum(x.minutes for x in in_term) >= f.minutes_per_term:
                    met += 1
                else:
                    below += 1
        f.terms.append({"term": t, "met": met, "below": below, "meetings": count, "minutes": minutes})

    questionnaires = []
    for q in Questionnaire.objects.filter(year__program=scope.program).order_by("opens_on", "role", "id"):
        if scope.term is not None:
            in_term = q.term_id == scope.term.pk or (
                q.term_id is None and scope.term.starts_on <= q.opens_on <= scope.term.ends_on
            )
            if not in_term:
                continue
        elif scope.year is not None and q.year_id != scope.year.pk:
            continue
        questionnaires.append(q)
        expected = [m for m in matches if _active(m, q.opens_on, q.closes_on)]
        answered = sum(1 for m in expected if q.responses.filter(match=m).exists())
        f.questionnaires.append(
            {
                "title": q.title,
                "kind": q.get_kind_display(),
                "role": q.role,
                "answered": answered,
                "not_answered": len(expected) - answered,
            }
        )

    match_ids = {m.pk for m in matches}
    for outcome in Outcome.objects.filter(program=scope.program).order_by("order", "id"):
        rows = []
        for role in (Role.MENTEE, Role.MENTOR):
            for kind in ("midpoint", "closing"):
                counter = Counter()
                for q in questionnaires:
                    if q.kind != kind or q.role != role:
                        continue
                    for item in q.items.filter(outcome=outcome):
                        for answer in item.answers.all():
                            if answer.likert and answer.response.match_id in match_ids:
                                counter[answer.likert] += 1
                rows.append((role, kind, counter))
        f.outcomes.append({"outcome": outcome, "rows": rows})

    years = list(ProgramYear.objects.filter(program=scope.program).order_by("starts_on"))
    people = []
    for y in years:
        found = set()
        for m in Match.objects.filter(round__program=scope.program, published_at__isnull=False):
            if scope.tier is not None and m.mentee.tier_id != scope.tier.pk:
                continue
            if _active(m, y.starts_on, y.ends_on):
                found.add(m.mentor.applicant_id)
        people.append(found)
    for k in range(len(years) - 1):
        if scope.year is not None and scope.year.pk not in (years[k].pk, years[k + 1].pk):
            continue
        f.mentor_years.append(
            {
                "from": years[k],
                "to": years[k + 1],
                "returned": len(people[k] & people[k + 1]),
                "left": len(people[k] - people[k + 1]),
            }
        )

    if show_identity:
        f.identity = {}
        for role in (Role.MENTEE, Role.MENTOR):
            rows = []
            for dim in IdentityDimension.objects.filter(program=scope.program).order_by("order", "id"):
                counter = Counter()
                for app in apps:
                    disclosure = getattr(app, "identity", None) if hasattr(app, "identity") else None
                    if app.role != role or disclosure is None or not disclosure.consent_to_reporting:
                        continue
                    if disclosure.dimensions.filter(pk=dim.pk).exists():
                        counter[_stage(app)] += 1
                rows.append((dim.label, counter))
            f.identity[role] = rows
    return f
