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
