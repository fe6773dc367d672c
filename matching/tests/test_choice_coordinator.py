"""Participant choice, the coordinator's side: rank lists in the engine, the
window emails, the board's ranks and summary, the export's summary sheet."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from matching import engine, scoring, selectors, services
from matching.models import (
    ChoicePolicy,
    Exclusion,
    Match,
    MatchSource,
    MatchStatus,
    MentorParticipation,
    MentorVerdict,
    RankEntry,
    RankList,
    Round,
    Verdict,
)
from notifications.models import OutgoingEmail
from tests.factories import accepted_mentee, accepted_mentor, populate

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def closed_window(round_: Round) -> Round:
    round_.ranking_opens_at = NOW - timedelta(days=10)
    round_.ranking_closes_at = NOW - timedelta(days=1)
    round_.save()
    return round_


def rank(round_: Round, owner, *candidates) -> RankList:
    """A submitted rank list (the participant side writes these through its service)."""
    rank_list, _ = RankList.objects.get_or_create(round=round_, owner=owner)
    rank_list.entries.all().delete()
    RankEntry.objects.bulk_create(
        RankEntry(rank_list=rank_list, candidate=c, position=i) for i, c in enumerate(candidates, 1)
    )
    return rank_list


def policy(program, **fields) -> ChoicePolicy:
    row, _ = ChoicePolicy.objects.update_or_create(program=program, defaults=fields)
    program.refresh_from_db()
    return row


def proposed(round_: Round) -> dict[int, int]:
    return dict(
        Match.objects.filter(round=round_, status=MatchStatus.PROPOSED).values_list("mentee_id", "mentor_id")
    )


def S(e, m, score):  # noqa: N802 (a suggestion, short for the tables below)
    return scoring.Suggestion(e, m, score, ())


# --- The completion rule and the mentor modes (pure) -----------------------------


class TestRankedPreferences:
    PAIRS = {(e, m): S(e, m, score) for (e, m), score in {
        (1, 10): 1, (1, 11): 5, (1, 12): 5, (1, 13): 9,
        (2, 10): 3, (2, 11): 2, (2, 12): 1, (2, 13): 0,
    }.items()}  # fmt: skip
    CAPS = {10: 1, 11: 1, 12: 1, 13: 1}

    def prefs(self, choices, caps=None):
        return scoring.ranked_preferences(
            self.PAIRS, mentee_order=[1, 2], mentor_order=[10, 11, 12, 13],
            capacities=caps or self.CAPS, choices=choices,
        )  # fmt: skip

    def test_listed_mentors_come_first_then_the_best_scores_up_to_n_ties_by_id(self):
        mentee_prefs, _ = self.prefs(scoring.Choices(max_ranks=3, mentee_lists={1: [10]}))
        # 10 as listed, then 13 (score 9), then 11 before 12 (both 5: lower id first); N = 3.
        assert mentee_prefs[1] == [10, 13, 11]
        # No list at all: the best N by score.
        assert mentee_prefs[2] == [10, 11, 12]

    def test_a_full_list_is_not_completed_and_an_unranked_mentor_never_comes_first(self):
        mentee_prefs, _ = self.prefs(
            scoring.Choices(max_ranks=2, mentee_lists={1: [12, 10], 2: [13, 12, 11]})
        )
        assert mentee_prefs[1] == [12, 10]
        assert mentee_prefs[2] == [13, 12]  # a list longer than N counts up to N

    def test_hard_rules_and_full_mentors_drop_out_of_a_list_and_completion_fills_in(self):
        pairs = {k: v for k, v in self.PAIRS.items() if k != (1, 13)}  # (1, 13) is ruled out
        mentee_prefs, _ = scoring.ranked_preferences(
            pairs, mentee_order=[1, 2], mentor_order=[10, 11, 12, 13],
            capacities={**self.CAPS, 11: 0}, choices=scoring.Choices(max_ranks=2, mentee_lists={1: [13, 11, 10]}),
        )  # fmt: skip
        assert mentee_prefs[1] == [10, 12]

    def test_rank_mode_mentors_put_their_list_first_then_scores(self):
        _, mentor_prefs = self.prefs(scoring.Choices(mentor_mode=scoring.RANK, mentor_lists={10: [1]}))
        assert mentor_prefs[10] == [1, 2]  # 2 scores higher, but 1 is on the list
        assert mentor_prefs[13] == [1, 2]  # no list: by score

    def test_verdict_mode_puts_happy_first_unmarked_next_and_rather_not_last(self):
        choices = scoring.Choices(
            mentor_mode=scoring.VERDICT, verdicts={(2, 10): "rather_not", (2, 13): "happy"}
        )
        _, mentor_prefs = self.prefs(choices)
        assert mentor_prefs[10] == [1, 2]  # 2 scores higher, but "rather not"
        assert mentor_prefs[13] == [2, 1]  # 1 scores higher, but 2 is "happy"
        assert mentor_prefs[11] == [1, 2]  # nothing marked: by score

    def test_scores_mode_ignores_mentor_lists(self):
        choices = scoring.Choices(mentor_mode=scoring.SCORES, mentor_lists={10: [1]})
        _, mentor_prefs = self.prefs(choices)
        assert mentor_prefs[10] == [2, 1]
        assert choices.mentor_rank(1, 10) is None

    def test_rank_values_prefer_lower_rank_sums_and_break_ties_by_score(self):
        choices = scoring.Choices(max_ranks=2, mentee_lists={1: [10, 11], 2: [11]}, mentor_lists={10: [1]})
        prefs = self.prefs(choices)
        values = scoring.rank_values(self.PAIRS, *prefs, choices)
        assert values[1, 10] > values[1, 11]  # 1st + 1st beats 2nd + unranked
        assert all(v > 0 for v in values.values())
        assert (1, 12) not in values  # beyond the mentee's N: not a pair either engine may form


class TestRankSummary:
    def test_it_counts_choices_unranked_partners_and_the_unmatched(self):
        summary = scoring.rank_summary(
            mentees=[1, 2, 3, 4, 5, 6], matched={1: 1, 2: 1, 3: 2, 4: None, 6: None}, ranked={1, 2, 3, 4, 5},
            max_ranks=3,
        )  # fmt: skip
        assert summary.by_choice == ((1, 2), (2, 1), (3, 0))
        assert (summary.unranked_mentor, summary.ranked_unmatched, summary.no_list, summary.no_list_matched) == (
            1, 1, 1, 1,
        )  # fmt: skip
        assert (summary.mentees, summary.ranked, summary.matched, summary.unmatched) == (6, 5, 5, 1)
        assert ("Got their 1st choice", 2) in summary.rows()
        assert [scoring.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22)] == [
            "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd",
        ]  # fmt: skip


# --- Running the round on the lists -------------------------------------------------


@pytest.fixture
def two_by_two(dmp, dmp_round):
    """Two mentees and two one-place mentors who all rank each other, window closed."""
    closed_window(dmp_round)
    policy(dmp, max_ranks=2, mentor_participation=MentorParticipation.RANK)
    ann, bob = accepted_mentee(dmp), accepted_mentee(dmp)
    xia, yan = accepted_mentor(dmp, capacity=1), accepted_mentor(dmp, capacity=1)
    rank(dmp_round, ann, xia, yan)
    rank(dmp_round, bob, xia, yan)
    rank(dmp_round, xia, bob, ann)
    rank(dmp_round, yan, ann, bob)
    return {"ann": ann, "bob": bob, "xia": xia, "yan": yan}


class TestRoundRun:
    def test_stable_matching_gives_the_engines_pairs_on_the_lists(self, dmp_round, two_by_two):
        p = two_by_two
        expected = engine.stable_match(
            {p["ann"].pk: [p["xia"].pk, p["yan"].pk], p["bob"].pk: [p["xia"].pk, p["yan"].pk]},
            {p["xia"].pk: [p["bob"].pk, p["ann"].pk], p["yan"].pk: [p["ann"].pk, p["bob"].pk]},
            {p["xia"].pk: 1, p["yan"].pk: 1},
        )
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        assert proposed(dmp_round) == expected == {p["ann"].pk: p["yan"].pk, p["bob"].pk: p["xia"].pk}
        ranks = set(
            Match.objects.filter(round=dmp_round).values_list("mentee_id", "mentee_rank", "mentor_rank")
        )
        assert ranks == {(p["ann"].pk, 2, 1), (p["bob"].pk, 1, 1)}

    def test_the_round_does_not_run_while_ranking_is_open(self, dmp_round, two_by_two):
        dmp_round.ranking_closes_at = NOW + timedelta(days=1)
        dmp_round.save()
        with pytest.raises(services.MatchingError, match="Ranking is open until"):
            services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        assert not Match.objects.exists()
        # Frozen at the close, it runs.
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE, now=dmp_round.ranking_closes_at)
        assert Match.objects.count() == 2

    def test_a_draft_is_not_published_while_ranking_is_open(self, dmp_round, two_by_two):
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        dmp_round.ranking_closes_at = NOW + timedelta(days=1)  # the coordinator reopened it
        dmp_round.save()
        with pytest.raises(services.MatchingError, match="Ranking is open until"):
            services.round_publish(round_=dmp_round)
        assert not Match.objects.filter(status=MatchStatus.PUBLISHED).exists()

    def test_hard_rules_beat_the_lists(self, dmp, dmp_round, two_by_two):
        p = two_by_two
        Exclusion.objects.create(program=dmp, mentee=p["bob"], mentor=p["xia"])
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        assert proposed(dmp_round) == {p["ann"].pk: p["xia"].pk, p["bob"].pk: p["yan"].pk}

    def test_a_mentee_without_a_list_is_completed_by_the_scores(self, dmp, dmp_round, two_by_two):
        p = two_by_two
        RankList.objects.filter(owner=p["ann"]).delete()
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        ann = Match.objects.get(round=dmp_round, mentee=p["ann"])
        assert ann.mentee_rank is None and ann.mentor_id in (p["xia"].pk, p["yan"].pk)

    def test_verdict_mode_puts_rather_not_last(self, dmp, dmp_round, two_by_two):
        p = two_by_two
        policy(dmp, max_ranks=2, mentor_participation=MentorParticipation.VERDICT)
        MentorVerdict.objects.create(
            round=dmp_round, mentor=p["xia"], mentee=p["bob"], verdict=Verdict.RATHER_NOT
        )
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        # Both want Xia first; Xia would rather not take Bob, so Ann gets Xia.
        assert proposed(dmp_round) == {p["ann"].pk: p["xia"].pk, p["bob"].pk: p["yan"].pk}
        assert set(Match.objects.values_list("mentor_rank", flat=True)) == {None}

    def test_scores_mode_lets_the_scores_speak_for_mentors(self, dmp, dmp_round, two_by_two):
        p = two_by_two
        policy(dmp, max_ranks=2, mentor_participation=MentorParticipation.SCORES)
        pool = selectors.pool_for(dmp_round)
        prefs = scoring.preferences(
            pool.pairs, mentee_order=[a.pk for a in pool.mentees], mentor_order=[a.pk for a in pool.mentors]
        )
        lists = {p["ann"].pk: [p["xia"].pk, p["yan"].pk], p["bob"].pk: [p["xia"].pk, p["yan"].pk]}
        expected = engine.stable_match(lists, prefs[1], pool.capacities)
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        assert proposed(dmp_round) == expected

    def test_optimal_matching_on_the_ranks_uses_rank_values(self, dmp_round, two_by_two):
        pool = selectors.pool_for(dmp_round)
        choices = selectors.choices_for(dmp_round)
        prefs = scoring.ranked_preferences(
            pool.pairs, mentee_order=[a.pk for a in pool.mentees], mentor_order=[a.pk for a in pool.mentors],
            capacities=pool.capacities, choices=choices,
        )  # fmt: skip
        expected = engine.optimal_match(scoring.rank_values(pool.pairs, *prefs, choices), pool.capacities)
        services.round_run(round_=dmp_round, mode=MatchSource.OPTIMAL, optimal_on_ranks=True)
        assert proposed(dmp_round) == expected

    def test_a_round_without_a_window_runs_on_the_scores_as_before(self, dmp, dmp_round):
        accepted_mentee(dmp), accepted_mentor(dmp, capacity=1)
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        assert Match.objects.get().mentee_rank is None
        with pytest.raises(services.MatchingError, match="no rank lists"):
            services.round_run(round_=dmp_round, mode=MatchSource.OPTIMAL, optimal_on_ranks=True)

    def test_a_pair_added_by_hand_keeps_its_ranks(self, dmp_round, two_by_two):
        p = two_by_two
        match = services.proposal_add(round_=dmp_round, mentee=p["ann"], mentor=p["xia"])
        assert (match.mentee_rank, match.mentor_rank) == (1, 2)


# --- The board and the export ----------------------------------------------------------


def board_url(round_):
    return reverse("admin:matching_round_board", args=[round_.pk])


class TestBoard:
    def test_it_shows_each_sides_rank_and_the_summary(self, client, coordinator, dmp_round, two_by_two):
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        client.force_login(coordinator)
        html = client.get(board_url(dmp_round)).content.decode()
        assert "mentee&#x27;s 1st choice · mentor&#x27;s 1st" in html
        assert "mentee&#x27;s 2nd choice · mentor&#x27;s 1st" in html
        board = selectors.board_for(dmp_round, user=coordinator)
        rows = dict(board.ranking.summary.rows())
        assert rows["Got their 1st choice"] == 1 and rows["Got their 2nd choice"] == 1
        assert rows["Did not rank at all"] == 0 and rows["Ranked, but stayed unmatched"] == 0

    def test_in_verdict_mode_it_shows_the_mentors_verdict_in_one_more_query(
        self, client, coordinator, dmp, dmp_round, two_by_two, django_assert_num_queries
    ):
        p = two_by_two
        policy(dmp, max_ranks=2, mentor_participation=MentorParticipation.VERDICT)
        MentorVerdict.objects.create(
            round=dmp_round, mentor=p["yan"], mentee=p["ann"], verdict=Verdict.RATHER_NOT
        )
        MentorVerdict.objects.create(round=dmp_round, mentor=p["xia"], mentee=p["bob"], verdict=Verdict.HAPPY)
        populate(dmp, mentees=3, mentors=2)
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        client.force_login(coordinator)
        with django_assert_num_queries(25):  # the 24 of RANK mode, and the verdicts
            html = client.get(board_url(dmp_round)).content.decode()
        assert "mentee&#x27;s 1st choice · mentor: happy to mentor" in html
        assert "mentee&#x27;s 2nd choice · mentor: rather not" in html

    def test_the_comparison_is_a_preview_that_saves_nothing(self, client, coordinator, dmp_round, two_by_two):
        client.force_login(coordinator)
        html = client.get(board_url(dmp_round) + "?compare=1").content.decode()
        assert "Stable and optimal matching on the same rank lists" in html
        assert not Match.objects.exists()
        comparison = selectors.round_comparison(dmp_round)
        assert [line[0] for line in comparison.lines][:3] == [
            "Mentees in the round (matched in it, or waiting)", "Ranked at least one mentor", "Got their 1st choice",
        ]  # fmt: skip

    def test_the_query_count_does_not_grow_with_the_lists(
        self, client, coordinator, dmp, dmp_round, two_by_two, django_assert_num_queries
    ):
        # The 22 of a round without rank lists (see test_admin), plus the
        # program's choice settings and the rank entries (choices_for).
        populate(dmp, mentees=3, mentors=2)
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        client.force_login(coordinator)
        with django_assert_num_queries(24):
            assert client.get(board_url(dmp_round)).status_code == 200
        populate(dmp, mentees=40, mentors=10, seed=3)
        mentors = list(selectors.mentors_in_scope(dmp))
        for mentee in selectors.waitlist(dmp):
            rank(dmp_round, mentee, *mentors[:2])
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        with CaptureQueriesContext(connection) as big:
            assert client.get(board_url(dmp_round)).status_code == 200
        assert len(big.captured_queries) == 24

    def test_another_programs_coordinator_sees_neither_the_board_nor_the_export(
        self, client, coordinator_of, ilead, dmp_round, two_by_two
    ):
        client.force_login(coordinator_of(ilead))
        assert client.get(board_url(dmp_round)).status_code == 403
        assert client.get(board_url(dmp_round) + "?compare=1").status_code == 403
        assert client.get(reverse("admin:matching_round_export", args=[dmp_round.pk])).status_code == 403

    def test_learners_and_mentors_get_the_admin_login(self, client, dmp_round, two_by_two):
        client.force_login(two_by_two["ann"].applicant)
        assert client.get(board_url(dmp_round)).status_code == 302
        client.force_login(two_by_two["xia"].applicant)
        assert client.get(board_url(dmp_round)).status_code == 302


class TestExportSummary:
    def test_the_export_has_a_summary_sheet_with_the_boards_numbers(
        self, client, coordinator, dmp_round, two_by_two
    ):
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        services.round_publish(round_=dmp_round)
        client.force_login(coordinator)
        response = client.get(reverse("admin:matching_round_export", args=[dmp_round.pk]))
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        assert book.sheetnames[1] == "Summary"
        rows = dict(list(book["Summary"].values)[1:])
        assert rows["Got their 1st choice"] == 1 and rows["Got their 2nd choice"] == 1
        assert rows["Matched in total"] == 2 and rows["Unmatched in total"] == 0
        board = selectors.board_for(dmp_round, user=coordinator)
        assert rows == dict(board.ranking.summary.rows())
        header = next(book.worksheets[0].values)
        assert header[-2:] == ("Mentee's rank of the mentor", "Mentor's rank of the mentee")

    def test_a_round_without_rank_lists_has_no_summary_sheet(self, client, coordinator, dmp_round):
        client.force_login(coordinator)
        response = client.get(reverse("admin:matching_round_export", args=[dmp_round.pk]))
        assert len(load_workbook(io.BytesIO(b"".join(response.streaming_content))).sheetnames) == 1


# --- The window's emails -----------------------------------------------------------------


class TestWindowEmails:
    @pytest.fixture
    def window(self, dmp, dmp_round):
        opens = timezone.now() + timedelta(days=1)
        dmp_round.ranking_opens_at, dmp_round.ranking_closes_at = opens, opens + timedelta(days=7)
        dmp_round.save()
        return dmp_round

    def kinds(self):
        return sorted(OutgoingEmail.objects.values_list("kind", "to"))

    def test_each_email_goes_out_exactly_once(self, dmp, window, django_capture_on_commit_callbacks):
        policy(dmp, mentor_participation=MentorParticipation.RANK)
        ann, bob = accepted_mentee(dmp), accepted_mentee(dmp)
        xia = accepted_mentor(dmp, capacity=1)
        rank(window, bob, xia)
        before = window.ranking_opens_at - timedelta(minutes=1)
        with time_machine.travel(before, tick=False):
            assert services.ranking_windows_notify() == 0
        for moment in (window.ranking_opens_at, window.ranking_opens_at + timedelta(minutes=15)):
            with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
                services.ranking_windows_notify()
        opened = [ann.applicant.email, bob.applicant.email]
        assert self.kinds() == sorted(
            [("ranking-open-mentee", e) for e in opened] + [("ranking-open-mentor", xia.applicant.email)]
        )
        subject = OutgoingEmail.objects.filter(kind="ranking-open-mentee").first().subject
        assert (
            subject
            == f"{dmp.name}: ranking is open until {timezone.localtime(window.ranking_closes_at):%-d %B}"
        )
        reminder_at = window.ranking_closes_at - timedelta(days=2)
        for moment in (reminder_at, reminder_at + timedelta(hours=1), window.ranking_closes_at):
            with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
                services.ranking_windows_notify()
        reminders = {e.to: e.body_text for e in OutgoingEmail.objects.filter(kind="ranking-reminder-mentee")}
        assert sorted(reminders) == sorted(opened)  # once each, mentees only
        assert "You have a rank list" in reminders[bob.applicant.email]
        assert "You have not ranked any mentors yet" in reminders[ann.applicant.email]
        assert OutgoingEmail.objects.count() == 5
        link = reverse("matching:rank_list", args=[window.pk])
        assert all(link in e.body_text for e in OutgoingEmail.objects.all())

    def test_mentors_are_not_asked_when_scores_speak_for_them(self, dmp, window):
        policy(dmp, mentor_participation=MentorParticipation.SCORES)
        accepted_mentee(dmp), accepted_mentor(dmp, capacity=1)
        with time_machine.travel(window.ranking_opens_at, tick=False):
            services.ranking_windows_notify()
        assert [kind for kind, _ in self.kinds()] == ["ranking-open-mentee"]

    def test_a_second_run_that_lost_the_claim_sends_nothing(self, dmp, window):
        accepted_mentee(dmp)
        stale = Round.objects.get(pk=window.pk)  # loaded before the first run claimed it
        with time_machine.travel(window.ranking_opens_at, tick=False):
            assert services.ranking_windows_notify() == 1
            assert services.ranking_open_notify(round_=stale, now=timezone.now()) == 0
        assert OutgoingEmail.objects.count() == 1


# --- The admin ---------------------------------------------------------------------------


class TestAdmin:
    def test_a_coordinator_sets_the_programs_choice_settings(self, client, coordinator, dmp):
        client.force_login(coordinator)
        url = reverse("admin:matching_choicepolicy_add")
        data = {
            "program": dmp.pk,
            "max_ranks": 40,
            "mentor_participation": "verdict",
            "request_reply_days": 7,
        }
        response = client.post(url, data)
        assert "Enter a number from 1 to 20." in response.content.decode()
        response = client.post(url, {**data, "max_ranks": 3})
        assert response.status_code == 302
        assert ChoicePolicy.for_program(dmp).max_ranks == 3

    def test_moving_a_window_that_opened_warns_and_resends_the_reminder(
        self, client, coordinator, dmp, dmp_round
    ):
        dmp_round.ranking_opens_at = NOW - timedelta(days=1)
        dmp_round.ranking_closes_at = NOW + timedelta(days=1)
        dmp_round.ranking_open_notified_at = dmp_round.ranking_reminder_notified_at = NOW - timedelta(days=1)
        dmp_round.save()
        client.force_login(coordinator)
        url = reverse("admin:matching_round_change", args=[dmp_round.pk])
        closes = timezone.localtime(NOW + timedelta(days=9))
        opens = timezone.localtime(dmp_round.ranking_opens_at)
        response = client.post(
            url,
            {
                "name": dmp_round.name,
                "is_public": "on",
                "ranking_opens_at_0": opens.strftime("%Y-%m-%d"),
                "ranking_opens_at_1": opens.strftime("%H:%M:%S"),
                "ranking_closes_at_0": closes.strftime("%Y-%m-%d"),
                "ranking_closes_at_1": closes.strftime("%H:%M:%S"),
            },
            follow=True,
        )
        assert "had already opened" in response.content.decode()
        dmp_round.refresh_from_db()
        assert dmp_round.ranking_reminder_notified_at is None
        # A window that closes before it opens is refused with the model's message.
        response = client.post(
            url,
            {
                "name": dmp_round.name,
                "ranking_opens_at_0": closes.strftime("%Y-%m-%d"),
                "ranking_opens_at_1": "00:00:00",
                "ranking_closes_at_0": opens.strftime("%Y-%m-%d"),
                "ranking_closes_at_1": "00:00:00",
            },
        )
        assert "The ranking window must close after it opens." in response.content.decode()


class TestRankListAdmin:
    def test_the_programs_coordinator_reads_a_list_and_nobody_edits_it(
        self, client, coordinator, coordinator_of, ilead, dmp_round, two_by_two
    ):
        rank_list = RankList.objects.get(owner=two_by_two["ann"])
        url = reverse("admin:matching_ranklist_change", args=[rank_list.pk])
        client.force_login(coordinator)
        html = client.get(url).content.decode()
        assert str(two_by_two["xia"]) in html and str(two_by_two["yan"]) in html
        assert client.post(url, {}).status_code == 403
        changelist = client.get(
            reverse("admin:matching_ranklist_changelist") + f"?round__id__exact={dmp_round.pk}"
        )
        assert changelist.content.decode().count("/admin/matching/ranklist/") >= 4
        client.force_login(coordinator_of(ilead))
        assert client.get(url).status_code == 302  # "does not exist" for another program's coordinator


class TestComparison:
    def test_it_shows_where_optimal_matching_on_the_ranks_differs_from_stable(
        self, client, coordinator, dmp, dmp_round
    ):
        closed_window(dmp_round)
        policy(dmp, max_ranks=2, mentor_participation=MentorParticipation.RANK)
        ann, bob = accepted_mentee(dmp), accepted_mentee(dmp)
        xia, yan = accepted_mentor(dmp, capacity=1), accepted_mentor(dmp, capacity=1)
        Exclusion.objects.create(program=dmp, mentee=ann, mentor=yan)  # Ann can only have Xia
        rank(dmp_round, ann, xia)
        rank(dmp_round, bob, xia, yan)
        rank(dmp_round, xia, bob, ann)
        comparison = selectors.round_comparison(dmp_round)
        # Stable: Xia keeps Bob, her first choice, and Ann stays unmatched.
        # Optimal on the ranks matches both: Ann with Xia, Bob with his 2nd.
        assert (comparison.stable.matched, comparison.optimal.matched) == (1, 2)
        assert [
            (row["mentee"], [s and s["mentor"] for s in row["sides"]]) for row in comparison.differences
        ] == [
            (ann, [None, xia]),
            (bob, [xia, yan]),
        ]
        lines = {label: (a, b) for label, a, b in comparison.lines}
        assert lines["Got their 1st choice"] == (1, 1) and lines["Got their 2nd choice"] == (0, 1)
        assert lines["Ranked, but stayed unmatched"] == (1, 0)
        client.force_login(coordinator)
        html = client.get(board_url(dmp_round) + "?compare=1").content.decode()
        assert "Pairs that differ (2)" in html and "Unmatched" in html
        assert not Match.objects.exists()


def test_beat_runs_the_window_emails_task(settings, dmp, dmp_round):
    from matching.tasks import send_ranking_window_emails

    entry = settings.CELERY_BEAT_SCHEDULE["ranking-window-emails"]
    assert entry["task"] == send_ranking_window_emails.name
    accepted_mentee(dmp)
    closed_window(dmp_round)  # a closed window: nothing to send
    assert send_ranking_window_emails.apply().get() == 0
    dmp_round.ranking_closes_at = timezone.now() + timedelta(days=5)
    dmp_round.save()
    assert send_ranking_window_emails.apply().get() == 1
    assert send_ranking_window_emails.apply().get() == 0


def test_the_rounds_list_says_where_each_window_stands(client, coordinator, dmp, dmp_round):
    closed_window(dmp_round)
    Round.objects.create(
        program=dmp,
        name="Later round",
        ranking_opens_at=NOW - timedelta(days=1),
        ranking_closes_at=NOW + timedelta(days=3),
    )
    client.force_login(coordinator)
    html = client.get(reverse("admin:matching_round_changelist")).content.decode()
    assert "closed " in html and "open until " in html


def test_a_bigger_round_gives_the_engines_pairs_on_lists_completed_by_the_rule(dmp, dmp_round):
    """Random lists of every length, a few exclusions: the proposal equals
    ``stable_match`` on preferences built here from the README's rule."""
    rng = random.Random(7)
    closed_window(dmp_round)
    policy(dmp, max_ranks=3, mentor_participation=MentorParticipation.RANK)
    populate(dmp, mentees=24, mentors=8, seed=5)
    mentees, mentors = list(selectors.waitlist(dmp)), list(selectors.mentors_in_scope(dmp))
    for mentee in mentees[:4]:
        Exclusion.objects.create(program=dmp, mentee=mentee, mentor=mentors[0])
    for mentee in mentees:
        rank(dmp_round, mentee, *rng.sample(mentors, rng.randint(0, 5)))
    for mentor in mentors:
        rank(dmp_round, mentor, *rng.sample(mentees, rng.randint(0, 6)))

    pool = selectors.pool_for(dmp_round)
    lists: dict[int, list[int]] = {}
    for owner, candidate in RankEntry.objects.order_by("rank_list", "position").values_list(
        "rank_list__owner_id", "candidate_id"
    ):
        lists.setdefault(owner, []).append(candidate)
    mentee_ids, mentor_ids = [a.pk for a in pool.mentees], [a.pk for a in pool.mentors]
    caps = pool.capacities
    mentee_prefs = {}
    for e in mentee_ids:
        allowed = [m for m in mentor_ids if (e, m) in pool.pairs and caps[m] > 0]
        by_score = sorted(allowed, key=lambda m: (-pool.pairs[e, m].score, mentor_ids.index(m)))
        listed = [m for m in lists.get(e, []) if m in allowed][:3]
        mentee_prefs[e] = listed + [m for m in by_score if m not in listed][: 3 - len(listed)]
    mentor_prefs = {}
    for m in mentor_ids:
        allowed = [e for e in mentee_ids if (e, m) in pool.pairs]
        by_score = sorted(allowed, key=lambda e: (-pool.pairs[e, m].score, mentee_ids.index(e)))
        listed = [e for e in lists.get(m, []) if e in allowed]
        mentor_prefs[m] = listed + [e for e in by_score if e not in listed]
    expected = engine.stable_match(mentee_prefs, mentor_prefs, caps)

    services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
    assert proposed(dmp_round) == {e: m for e, m in expected.items() if m is not None}
    assert engine.blocking_pairs(expected, mentee_prefs, mentor_prefs, caps) == []
    ranks = list(Match.objects.filter(round=dmp_round).values_list("mentee_rank", flat=True))
    assert len(ranks) >= 8 and None in ranks and 1 in ranks  # listed and completed pairs both occur
    excluded = {(mentee.pk, mentors[0].pk) for mentee in mentees[:4]}
    assert not excluded & set(proposed(dmp_round).items())
