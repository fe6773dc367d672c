"""Finding 9: the score must not give identity away. People who may not see
identity (staff who do not coordinate the program) see every score without
its identity part, in the order that gives, on the board, in the match admin
and in the round's export; the program's coordinators see the whole score on
the board."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from applications.models import IdentityDimension
from matching import services
from matching.models import Match, MatchingWeights, MatchSource
from tests.factories import UserFactory, accepted_mentee, accepted_mentor

pytestmark = pytest.mark.django_db

IDENTITY_WEIGHT = 10


@pytest.fixture
def people(dmp):
    """One mentee who asked for a shared identity; Ida shares it and one
    specialty, Sol shares two specialties and no identity. With identity
    Ida ranks first, without it Sol does."""
    MatchingWeights.objects.create(program=dmp, identity=IDENTITY_WEIGHT)
    shared = IdentityDimension.objects.create(program=dmp, label="Shared")
    consent = {"dimensions": [shared], "consent_to_matching": True}
    mentee = accepted_mentee(
        dmp,
        UserFactory(name="Mia Mentee"),
        specialties=["Paediatrics", "Surgery"],
        identity={**consent, "wants_shared_identity": True},
    )
    ida = accepted_mentor(
        dmp, UserFactory(name="Ida Identity"), specialties=["Paediatrics"], identity=consent
    )
    sol = accepted_mentor(dmp, UserFactory(name="Sol Specialties"), specialties=["Paediatrics", "Surgery"])
    return mentee, ida, sol


def suggested(html: str, name: str) -> re.Match:
    """The first suggestion of ``name`` on the page: "Name (score: reasons)"."""
    found = re.search(re.escape(name) + r"\s*\((\d+)[:)]", html)
    assert found, name
    return found


def score_of(html: str, name: str) -> int:
    return int(suggested(html, name).group(1))


def comes_first(html: str, first: str, second: str) -> bool:
    return suggested(html, first).start() < suggested(html, second).start()


def test_the_identity_part_is_stored_with_the_match(dmp_round, people):
    mentee, ida, _ = people
    match = services.proposal_add(round_=dmp_round, mentee=mentee, mentor=ida)
    assert match.identity_score == IDENTITY_WEIGHT
    assert match.score_for(show_identity=False) == match.score - IDENTITY_WEIGHT
    assert match.score_for(show_identity=True) == match.score


class TestBoard:
    def test_the_programs_coordinator_sees_the_whole_score_and_its_order(
        self, client, coordinator, dmp_round, people
    ):
        client.force_login(coordinator)
        html = client.get(reverse("admin:matching_round_board", args=[dmp_round.pk])).content.decode()
        ida, sol = score_of(html, "Ida Identity"), score_of(html, "Sol Specialties")
        assert ida == sol - 3 + IDENTITY_WEIGHT  # one shared specialty (3) less, the identity weight more
        assert comes_first(html, "Ida Identity", "Sol Specialties")

    def test_staff_who_do_not_coordinate_see_scores_without_identity_in_that_order(
        self, client, coordinator, staff, dmp_round, people
    ):
        client.force_login(coordinator)
        board = reverse("admin:matching_round_board", args=[dmp_round.pk])
        whole = score_of(client.get(board).content.decode(), "Ida Identity")
        client.force_login(staff)
        html = client.get(board).content.decode()
        assert score_of(html, "Ida Identity") == whole - IDENTITY_WEIGHT
        assert comes_first(html, "Sol Specialties", "Ida Identity")
        assert "shares the identity" not in html

    def test_the_suggestions_page_too(self, client, coordinator, staff, dmp_round, people):
        mentee, ida, sol = people
        url = reverse("admin:matching_round_suggestions", args=[dmp_round.pk, mentee.pk])

        def rows(user):
            client.force_login(user)
            html = client.get(url).content.decode()
            cells = re.findall(r"<td>(\d+)</td>", html)
            order = sorted(["Ida Identity", "Sol Specialties"], key=html.index)
            return order, [int(c) for c in cells]

        (first, _), scores = rows(coordinator)
        assert first == "Ida Identity"
        (first, _), hidden = rows(staff)
        assert first == "Sol Specialties"
        assert max(scores) - max(hidden) == IDENTITY_WEIGHT - 3

    def test_proposed_pairs_show_and_sort_by_the_score_without_identity(
        self, client, coordinator, staff, dmp_round, dmp, people
    ):
        mentee, ida, sol = people
        other = accepted_mentee(dmp, UserFactory(name="Otto Other"), specialties=["Paediatrics", "Surgery"])
        identity_pair = services.proposal_add(round_=dmp_round, mentee=mentee, mentor=ida)
        plain_pair = services.proposal_add(round_=dmp_round, mentee=other, mentor=sol)
        assert identity_pair.score > plain_pair.score
        assert identity_pair.score_for(show_identity=False) < plain_pair.score_for(show_identity=False)
        board = reverse("admin:matching_round_board", args=[dmp_round.pk])
        client.force_login(coordinator)
        html = client.get(board).content.decode()
        assert html.index("Mia Mentee") < html.index("Otto Other")
        assert f"<td>{identity_pair.score}</td>" in html
        client.force_login(staff)
        html = client.get(board).content.decode()
        assert html.index("Otto Other") < html.index("Mia Mentee")
        assert f"<td>{identity_pair.score}</td>" not in html
        assert f"<td>{identity_pair.score - IDENTITY_WEIGHT}</td>" in html


class TestMatchAdmin:
    @pytest.fixture
    def matches(self, dmp_round, dmp, people):
        mentee, ida, sol = people
        other = accepted_mentee(dmp, UserFactory(name="Otto Other"), specialties=["Paediatrics", "Surgery"])
        return (
            services.proposal_add(round_=dmp_round, mentee=mentee, mentor=ida),
            services.proposal_add(round_=dmp_round, mentee=other, mentor=sol),
        )

    @pytest.mark.parametrize("who", ["staff", "coordinator"])
    def test_the_list_shows_and_sorts_by_the_score_without_identity(self, client, request, who, matches):
        identity_pair, plain_pair = matches
        client.force_login(request.getfixturevalue(who))
        html = client.get(reverse("admin:matching_match_changelist")).content.decode()
        assert "score (without identity)" in html.lower()
        assert f'class="field-score_without_identity">{identity_pair.score - IDENTITY_WEIGHT}<' in html
        assert f'class="field-score_without_identity">{identity_pair.score}<' not in html
        assert html.index("Otto Other") < html.index("Mia Mentee")
        # Sorting by the column sorts by what it shows.
        html = client.get(reverse("admin:matching_match_changelist") + "?o=3").content.decode()
        assert html.index("Mia Mentee") < html.index("Otto Other")

    @pytest.mark.parametrize("who", ["staff", "coordinator"])
    def test_the_detail_shows_the_score_without_identity(self, client, request, who, matches):
        identity_pair, _ = matches
        client.force_login(request.getfixturevalue(who))
        url = reverse("admin:matching_match_change", args=[identity_pair.pk])
        html = client.get(url).content.decode()
        shown = re.search(r"Score \(without identity\).*?<div class=\"readonly\">(\d+)</div>", html, re.S)
        assert shown and int(shown.group(1)) == identity_pair.score - IDENTITY_WEIGHT
        assert "identity_score" not in html

    @pytest.mark.parametrize(
        "query",
        ["score=1", "score__gte=10", "identity_score__gt=0", "visible_score=1", "reasons__icontains=x"],
    )
    def test_scores_cannot_be_filtered_on(self, client, staff, matches, query):
        client.force_login(staff)
        assert client.get(reverse("admin:matching_match_changelist") + "?" + query).status_code == 400


class TestExport:
    @pytest.mark.parametrize("who", ["staff", "coordinator"])
    def test_the_score_column_leaves_identity_out(self, client, request, who, dmp_round, people):
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        services.round_publish(round_=dmp_round)
        match = Match.objects.get(round=dmp_round)
        assert match.identity_score == IDENTITY_WEIGHT
        client.force_login(request.getfixturevalue(who))
        response = client.get(reverse("admin:matching_round_export", args=[dmp_round.pk]))
        rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
        column = rows[0].index("Score (without identity)")
        assert rows[1][column] == match.score - IDENTITY_WEIGHT
        assert "identity" not in str(rows[1][column + 1])


def test_matches_scored_before_the_identity_part_was_stored_get_it_from_the_weights(dmp_round, people):
    """The migration's backfill: the program's identity weight, never more than the score."""
    import importlib

    from django.apps import apps

    backfill = importlib.import_module(
        "matching.migrations.0002_match_identity_score"
    ).backfill_identity_score
    mentee, ida, sol = people
    with_identity = services.proposal_add(round_=dmp_round, mentee=mentee, mentor=ida)
    Match.objects.filter(pk=with_identity.pk).update(identity_score=0)
    tiny = Match.objects.create(
        round=dmp_round,
        mentee=accepted_mentee(with_identity.round.program),
        mentor=sol,
        score=4,
        reasons=[{"text": "shares the identity the mentee asked for", "identity": True}],
    )
    plain = Match.objects.create(
        round=dmp_round, mentee=accepted_mentee(with_identity.round.program), mentor=sol, score=5, reasons=[]
    )
    backfill(apps, None)
    assert Match.objects.get(pk=with_identity.pk).identity_score == IDENTITY_WEIGHT
    assert Match.objects.get(pk=tiny.pk).identity_score == 4
    assert Match.objects.get(pk=plain.pk).identity_score == 0
