"""The report's figures against the same figures computed row by row
(``naive.py``), for a generated program and each kind of filter; and a small
program whose figures are written out by hand."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from reports import selectors
from tests.factories import ProgramFactory

from . import naive
from .data import build_program

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 7, 15, 12, tzinfo=datetime.UTC)


@pytest.fixture
def generated():
    with time_machine.travel(NOW, tick=False):
        program = ProgramFactory(name="Generated", slug="generated")
        objects = build_program(program, mentees=120, mentors=30, matches=45, meetings=200)
        yield program, objects


def _scopes(program, objects):
    tier = objects["tiers"][0]
    year, term = objects["years"][1], objects["terms"][1]
    yield selectors.scope_for(program, tier=None, year=None, term=None)
    yield selectors.scope_for(program, tier=tier, year=None, term=None)
    yield selectors.scope_for(program, tier=None, year=year, term=None)
    yield selectors.scope_for(program, tier=tier, year=objects["years"][0], term=None)
    yield selectors.scope_for(program, tier=None, year=None, term=term)


def _plain(figures):
    data = dict(vars(figures))
    data["terms"] = [{**t, "term": t["term"].pk} for t in data["terms"]]
    data["outcomes"] = [{**o, "outcome": o["outcome"].pk} for o in data["outcomes"]]
    data["mentor_years"] = [{**m, "from": m["from"].pk, "to": m["to"].pk} for m in data["mentor_years"]]
    data["wait_days"] = sorted(data["wait_days"])
    return data


def test_the_figures_equal_the_row_by_row_figures_for_every_filter(generated):
    program, objects = generated
    with time_machine.travel(NOW, tick=False):
        for scope in _scopes(program, objects):
            real = selectors.report_figures(scope, show_identity=True)
            expected = naive.report_figures(scope, show_identity=True)
            assert _plain(real) == _plain(expected), scope


def test_the_generated_program_has_something_in_every_section(generated):
    program, objects = generated
    with time_machine.travel(NOW, tick=False):
        figures = selectors.report_figures(
            selectors.scope_for(program, tier=None, year=None, term=None), show_identity=True
        )
    assert sum(figures.by_role_status.values()) == 150
    assert figures.waitlist_months and figures.wait_days and figures.ranks and figures.ranked_unmatched
    assert figures.pairs == 45 and sum(figures.agreements.values()) == 45
    assert any(t["meetings"] for t in figures.terms)
    assert any(q["answered"] for q in figures.questionnaires)
    assert any(sum(c.values()) for o in figures.outcomes for _, _, c in o["rows"])
    assert figures.mentor_years[0]["returned"] > 0
    assert any(sum(c.values()) for _, c in figures.identity["mentee"])


def test_a_small_program_by_hand(frozen_small):
    program, year, term, tiers = frozen_small
    figures = selectors.report_figures(
        selectors.scope_for(program, tier=None, year=None, term=None), show_identity=True
    )
    assert figures.by_role_status == {
        ("mentee", "matched"): 1,
        ("mentee", "accepted"): 1,
        ("mentee", "declined"): 1,
        ("mentor", "matched"): 1,
    }
    assert figures.by_role_stage == {
        ("mentee", "matched"): 1,
        ("mentee", "accepted"): 1,
        ("mentee", "not_accepted"): 1,
        ("mentor", "matched"): 1,
    }
    assert figures.wait_days == [10]
    assert figures.ranks == {2: 1} and figures.ranked_unmatched == 1
    assert figures.pairs == 1 and figures.agreements == {"both": 1}
    assert [(t["met"], t["below"], t["meetings"], t["minutes"]) for t in figures.terms] == [(1, 0, 2, 120)]
    assert figures.questionnaires == []
    # The tier filter keeps tier 2's rows only: the declined mentee.
    by_tier = selectors.report_figures(
        selectors.scope_for(program, tier=tiers[1], year=None, term=None), show_identity=False
    )
    assert by_tier.by_role_status == {("mentee", "declined"): 1}
    assert by_tier.pairs == 0 and by_tier.identity is None


@pytest.fixture
def frozen_small():
    from applications.models import Status
    from matching.models import Match, MatchStatus, RankEntry, RankList, Round
    from mentoring.models import Agreement, Meeting, ProgramYear, Term
    from tests.factories import TierFactory, make_mentee_application, make_mentor_application

    with time_machine.travel(NOW, tick=False):
        program = ProgramFactory(slug="small")
        tiers = [TierFactory(program=program, number=1), TierFactory(program=program, number=2)]
        year = ProgramYear.objects.create(
            program=program, name="Y", starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 6, 30)
        )
        term = Term.objects.create(
            year=year, name="Fall", starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2026, 12, 31)
        )
        accepted = datetime.datetime(2026, 8, 1, 12, tzinfo=datetime.UTC)
        a = make_mentee_application(program, tier=tiers[0], status=Status.MATCHED, accepted_at=accepted)
        b = make_mentee_application(program, tier=tiers[0], status=Status.ACCEPTED, accepted_at=accepted)
        make_mentee_application(program, tier=tiers[1], status=Status.DECLINED, accepted_at=None)
        m = make_mentor_application(program, tier=tiers[0], status=Status.MATCHED, accepted_at=accepted)
        round_ = Round.objects.create(
            program=program,
            name="R",
            ranking_opens_at=datetime.datetime(2026, 8, 1, tzinfo=datetime.UTC),
            ranking_closes_at=datetime.datetime(2026, 8, 10, tzinfo=datetime.UTC),
        )
        match = Match.objects.create(
            round=round_,
            mentee=a,
            mentor=m,
            status=MatchStatus.PUBLISHED,
            published_at=accepted + datetime.timedelta(days=10),
            mentee_rank=2,
        )
        for owner in (a, b):
            RankEntry.objects.create(
                rank_list=RankList.objects.create(round=round_, owner=owner), candidate=m, position=1
            )
        Agreement.objects.create(match=match, mentee_confirmed_at=NOW, mentor_confirmed_at=NOW)
        for day in (5, 20):
            Meeting.objects.create(
                match=match, met_on=datetime.date(2026, 10, day), minutes=60, format="virtual"
            )
        yield program, year, term, tiers


def test_only_people_who_consented_to_reports_are_counted_by_identity():
    """Consent to matching is not consent to be counted: the form asks both, apart."""
    from applications.models import IdentityDimension, IdentityDisclosure
    from tests.factories import make_mentee_application

    program = ProgramFactory(name="Consent", slug="consent", collects_identity=True)
    dimension = IdentityDimension.objects.create(program=program, label="First-generation")
    for consents in [(True, False), (False, True), (True, True), (False, False)]:
        disclosure = IdentityDisclosure.objects.create(
            application=make_mentee_application(program),
            consent_to_matching=consents[0],
            consent_to_reporting=consents[1],
        )
        disclosure.dimensions.set([dimension])
    figures = selectors.report_figures(
        selectors.scope_for(program, tier=None, year=None, term=None), show_identity=True
    )
    ((label, counts),) = figures.identity["mentee"]
    assert label == "First-generation" and sum(counts.values()) == 2
