import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from applications.models import IdentityDimension, Status
from matching import selectors, services
from matching.models import Exclusion, Match, MatchSource, MatchStatus, Round
from tests.factories import accepted_mentee, accepted_mentor, populate

pytestmark = pytest.mark.django_db


def board_url(round_):
    return reverse("admin:matching_round_board", args=[round_.pk])


def action(client, round_, **data):
    return client.post(reverse("admin:matching_round_board_action", args=[round_.pk]), data)


def publish(client, round_):
    """Publish the draft as a coordinator does: the confirmation page, then Confirm."""
    page = action(client, round_, action="publish")
    if page.status_code != 200:
        return page
    ids = [m.pk for m in page.context["matches"]]
    return action(client, round_, action="publish", confirm="yes", match=ids)


@pytest.fixture
def pair(dmp):
    return accepted_mentee(dmp, specialties=["Paediatrics"]), accepted_mentor(
        dmp, specialties=["Paediatrics"]
    )


class TestAccess:
    @pytest.fixture
    def urls(self, dmp_round, pair):
        mentee, _ = pair
        return [
            board_url(dmp_round),
            reverse("admin:matching_round_suggestions", args=[dmp_round.pk, mentee.pk]),
            reverse("admin:matching_round_export", args=[dmp_round.pk]),
        ]

    def test_the_programs_coordinator_sees_the_board_suggestions_and_export(self, client, coordinator, urls):
        client.force_login(coordinator)
        for url in urls:
            assert client.get(url).status_code == 200, url

    def test_a_coordinator_of_another_program_is_refused(
        self, client, coordinator_of, ilead, urls, dmp_round
    ):
        client.force_login(coordinator_of(ilead))
        for url in urls:
            assert client.get(url).status_code == 403, url
        assert action(client, dmp_round, action="run_stable").status_code == 403
        assert not Match.objects.exists()

    @pytest.mark.parametrize("persona", ["mentor", "outsider", "learner"])
    def test_mentors_and_outsiders_are_refused(self, client, request, urls, persona):
        # Like every admin page (the board is behind admin_view), they are
        # sent to the admin's login, which refuses a signed-in non-staff user.
        client.force_login(request.getfixturevalue(persona))
        for url in urls:
            assert client.get(url, follow=True).status_code == 403, url

    def test_anonymous_people_are_sent_to_log_in(self, client, urls):
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]

    def test_site_staff_see_the_board(self, client, staff, urls):
        client.force_login(staff)
        assert client.get(urls[0]).status_code == 200

    def test_the_round_list_shows_only_their_programs(self, client, coordinator, dmp_round, ilead):
        Round.objects.create(program=ilead, name="iLEAD secret round")
        client.force_login(coordinator)
        html = client.get(reverse("admin:matching_round_changelist")).content.decode()
        assert "Round 2, Winter 2026" in html and "iLEAD secret round" not in html
        assert board_url(dmp_round) in html

    def test_a_missing_round_is_404(self, client, coordinator):
        client.force_login(coordinator)
        assert client.get(reverse("admin:matching_round_board", args=[999999])).status_code == 404


class TestBoard:
    def test_it_shows_waitlist_mentors_and_suggestions_with_reasons(
        self, client, coordinator, dmp_round, pair
    ):
        client.force_login(coordinator)
        html = client.get(board_url(dmp_round)).content.decode()
        mentee, mentor = pair
        assert str(mentee.applicant) in html and str(mentor.applicant) in html
        assert "both interested in paediatrics" in html
        assert "Run stable matching" in html and "Run optimal matching" in html

    def test_identity_reasons_are_for_the_programs_coordinators_only(
        self, client, coordinator, staff, dmp_round, dmp
    ):
        dimension = IdentityDimension.objects.create(program=dmp, label="Shared")
        accepted_mentee(
            dmp,
            identity={"dimensions": [dimension], "consent_to_matching": True, "wants_shared_identity": True},
        )
        accepted_mentor(dmp, identity={"dimensions": [dimension], "consent_to_matching": True})
        client.force_login(coordinator)
        assert "shares the identity the mentee asked for" in client.get(board_url(dmp_round)).content.decode()
        client.force_login(staff)
        assert (
            "shares the identity the mentee asked for"
            not in client.get(board_url(dmp_round)).content.decode()
        )

    def test_identity_reasons_on_the_suggestions_page_are_for_the_programs_coordinators_only(
        self, client, coordinator, staff, dmp_round, dmp
    ):
        dimension = IdentityDimension.objects.create(program=dmp, label="Shared")
        mentee = accepted_mentee(
            dmp,
            identity={"dimensions": [dimension], "consent_to_matching": True, "wants_shared_identity": True},
        )
        accepted_mentor(dmp, identity={"dimensions": [dimension], "consent_to_matching": True})
        url = reverse("admin:matching_round_suggestions", args=[dmp_round.pk, mentee.pk])
        client.force_login(coordinator)
        assert "shares the identity the mentee asked for" in client.get(url).content.decode()
        client.force_login(staff)
        assert "shares the identity the mentee asked for" not in client.get(url).content.decode()

    def test_a_coordinator_runs_adjusts_and_publishes_without_javascript(
        self, client, coordinator, dmp_round, dmp, django_capture_on_commit_callbacks, mailoutbox
    ):
        mentees = [accepted_mentee(dmp) for _ in range(4)]
        m1, m2 = accepted_mentor(dmp, capacity=1), accepted_mentor(dmp, capacity=2)
        client.force_login(coordinator)
        assert action(client, dmp_round, action="run_optimal").status_code == 302
        proposals = list(Match.objects.filter(round=dmp_round, status=MatchStatus.PROPOSED))
        assert len(proposals) == 3
        removed = proposals[0]
        action(client, dmp_round, action="remove", match=removed.pk, exclude="yes")
        assert "excluded the pair" in client.get(board_url(dmp_round)).content.decode()
        left_out = next(
            m for m in mentees if m.pk != removed.mentee_id and not Match.objects.filter(mentee=m).exists()
        )
        full = m1 if removed.mentor_id == m2.pk else m2
        action(client, dmp_round, action="add", mentee=left_out.pk, mentor=full.pk)
        assert f"{full.applicant} has no place left" in client.get(board_url(dmp_round)).content.decode()
        action(client, dmp_round, action="add", mentee=left_out.pk, mentor=removed.mentor_id)
        assert Match.objects.filter(round=dmp_round, status=MatchStatus.PROPOSED).count() == 3
        with django_capture_on_commit_callbacks(execute=True):
            publish(client, dmp_round)
        assert Match.objects.filter(round=dmp_round, status=MatchStatus.PUBLISHED).count() == 3
        assert len([m for m in mailoutbox if "meet your" in m.subject]) == 6
        dmp_round.refresh_from_db()
        assert dmp_round.status == "published"
        html = client.get(board_url(dmp_round)).content.decode()
        assert "Pair a late applicant" in html and "End or re-match" in html
        # The mentee whose pair was removed is still waiting; the pair is excluded.
        assert not Match.objects.filter(pk=removed.pk).exists()
        assert Exclusion.objects.filter(mentee=removed.mentee_id, mentor=removed.mentor_id).exists()

    def test_rolling_intake_and_ending_from_the_board(self, client, coordinator, first_round, dmp):
        mentee, mentor = accepted_mentee(dmp), accepted_mentor(dmp, capacity=1)
        client.force_login(coordinator)
        action(client, first_round, action="publish_one", mentee=mentee.pk, mentor=mentor.pk, confirm="yes")
        match = Match.objects.get(mentee=mentee, status=MatchStatus.PUBLISHED)
        end_url = reverse("admin:matching_round_end", args=[first_round.pk, match.pk])
        assert client.get(end_url).status_code == 200
        response = client.post(end_url, {"reason": "", "rematch": "yes"})
        assert "Say why the match ends." in response.content.decode()
        response = client.post(end_url, {"reason": "Schedules clash", "rematch": "yes"})
        assert response.status_code == 302
        mentee.refresh_from_db()
        assert mentee.status == Status.ACCEPTED

    def test_waitlist_moves_from_the_board(self, client, coordinator, dmp_round, dmp):
        first, second = accepted_mentee(dmp), accepted_mentee(dmp)
        client.force_login(coordinator)
        action(client, dmp_round, action="move_up", mentee=second.pk)
        first.refresh_from_db()
        second.refresh_from_db()
        assert (second.waitlist_rank, first.waitlist_rank) == (1, 2)

    def test_a_mentor_whose_places_the_draft_takes_is_not_suggested(
        self, client, coordinator, dmp, dmp_round
    ):
        # One place, taken by a proposed pair: the board must not suggest the
        # mentor for anyone else, nor offer them when adding a pair by hand.
        proposed, waiting = (accepted_mentee(dmp, specialties=["Surgery"]) for _ in range(2))
        full = accepted_mentor(dmp, specialties=["Surgery"], capacity=1)
        free = accepted_mentor(dmp, capacity=2)
        services.proposal_add(round_=dmp_round, mentee=proposed, mentor=full)
        board = selectors.board_for(dmp_round, user=coordinator)
        rows = {row.application.pk: row for row in board.waitlist}
        assert [s["mentor"] for s in rows[waiting.pk].suggestions] == [free]
        # The mentee with a proposal shows it rather than a fresh suggestion.
        assert rows[proposed.pk].proposal.mentor == full
        assert rows[proposed.pk].suggestions == []
        assert [row.application for row in board.mentor_choices] == [free]
        client.force_login(coordinator)
        html = client.get(board_url(dmp_round)).content.decode()
        assert html.count(f"{full.applicant} (") == 0
        assert "Has a proposed mentor in this draft." in html

    def test_the_all_mentors_page_counts_places_the_draft_takes(self, client, coordinator, dmp, dmp_round):
        proposed, waiting = accepted_mentee(dmp), accepted_mentee(dmp)
        mentor = accepted_mentor(dmp, capacity=2)
        match = services.proposal_add(round_=dmp_round, mentee=proposed, mentor=mentor)
        _, rows = selectors.suggestions_for_mentee(dmp_round, waiting.pk, user=coordinator)
        assert [(row["mentor"], row["remaining"], row["proposed"]) for row in rows] == [(mentor, 1, 1)]
        client.force_login(coordinator)
        url = reverse("admin:matching_round_suggestions", args=[dmp_round.pk, waiting.pk])
        html = " ".join(client.get(url).content.decode().split())
        assert '<td> 1 <span class="small">(1 proposed to other mentees)</span> </td>' in html
        # Removing the proposal gives the place back.
        services.proposal_remove(round_=dmp_round, match=match)
        _, rows = selectors.suggestions_for_mentee(dmp_round, waiting.pk, user=coordinator)
        assert [(row["remaining"], row["proposed"]) for row in rows] == [(2, 0)]
        # A mentee's own proposal does not count against it.
        services.proposal_add(round_=dmp_round, mentee=waiting, mentor=mentor)
        _, rows = selectors.suggestions_for_mentee(dmp_round, waiting.pk, user=coordinator)
        assert [(row["remaining"], row["proposed"]) for row in rows] == [(2, 0)]

    def test_a_mentee_waits_without_suggestion_when_the_draft_fills_every_place(
        self, client, coordinator, dmp, dmp_round
    ):
        proposed, waiting = accepted_mentee(dmp), accepted_mentee(dmp)
        only = accepted_mentor(dmp, capacity=1)
        services.proposal_add(round_=dmp_round, mentee=proposed, mentor=only)
        board = selectors.board_for(dmp_round, user=coordinator)
        assert all(row.suggestions == [] for row in board.waitlist)
        assert board.offers == [] and board.mentor_choices == []
        client.force_login(coordinator)
        html = client.get(board_url(dmp_round)).content.decode()
        assert "No mentor with a place left in this draft can take this mentee." in html
        assert "No mentor has a place left in this draft." in html
        # Removing the pair gives the place back.
        services.proposal_remove(round_=dmp_round, match=Match.objects.get(mentee=proposed))
        board = selectors.board_for(dmp_round, user=coordinator)
        rows = {row.application.pk: row for row in board.waitlist}
        assert [s["mentor"] for s in rows[waiting.pk].suggestions] == [only]

    def test_the_query_count_does_not_grow_with_the_round(
        self, client, coordinator, dmp, dmp_round, django_assert_num_queries
    ):
        # Queries: session, user; round (with program and tier), "coordinates?"
        # (access); weights; tiers (their learner types are not fetched when a
        # program has none); waitlisted mentees (with user, learner type, tier,
        # identity), their specialties, outcomes and identity dimensions (4);
        # mentors likewise (4); exclusions; earlier ended or declined pairs;
        # "coordinates?" (identity reasons); the round's matches; the admin's
        # app list: user and group permissions (2), "landing page content exists?";
        # "has an authenticator app?" (the admin requires one).
        populate(dmp, mentees=3, mentors=2)
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        client.force_login(coordinator)
        with django_assert_num_queries(22):
            assert client.get(board_url(dmp_round)).status_code == 200
        populate(dmp, mentees=300, mentors=100, seed=2)
        services.round_run(round_=dmp_round, mode=MatchSource.OPTIMAL)
        with CaptureQueriesContext(connection) as big:
            response = client.get(board_url(dmp_round))
        assert response.status_code == 200
        assert len(big.captured_queries) == 22
        assert response.content.decode().count("<tr>") > 300


class TestExport:
    def test_it_exports_the_rounds_matches_sanitised_and_without_identity(
        self, client, coordinator, dmp_round, dmp, learner
    ):
        learner.name = "=HYPERLINK(1)"
        learner.save()
        dimension = IdentityDimension.objects.create(program=dmp, label="Shared")
        accepted_mentee(
            dmp,
            learner,
            identity={"dimensions": [dimension], "consent_to_matching": True, "wants_shared_identity": True},
        )
        accepted_mentor(dmp, identity={"dimensions": [dimension], "consent_to_matching": True})
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        services.round_publish(round_=dmp_round)
        client.force_login(coordinator)
        response = client.get(reverse("admin:matching_round_export", args=[dmp_round.pk]))
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        rows = list(sheet.values)
        assert rows[0][:4] == ("Program", "Tier", "Round", "Mentee")
        assert len(rows) == 2
        assert rows[1][3] == "=HYPERLINK(1)" and sheet["D2"].data_type == "s"  # text, shown as typed
        assert (
            sheet["F2"].value == learner.email and sheet["F2"].hyperlink.target == f"mailto:{learner.email}"
        )
        today = f"{timezone.localdate():%Y-%m-%d}"
        assert response["Content-Disposition"].endswith(f'-{today}.xlsx"')
        assert "identity" not in " ".join(str(v) for v in rows[1])


class TestConsole:
    def test_a_coordinator_creates_a_round_only_for_their_program(self, client, coordinator, dmp, ilead):
        client.force_login(coordinator)
        url = reverse("admin:matching_round_add")
        html = client.get(url).content.decode()
        assert f'value="{dmp.pk}"' in html and f'value="{ilead.pk}"' not in html
        response = client.post(url, {"program": ilead.pk, "name": "Sneaky", "status": "planned"})
        assert response.status_code == 200 and not Round.objects.filter(name="Sneaky").exists()
        response = client.post(
            url, {"program": dmp.pk, "name": "Round 3", "status": "planned", "is_public": "on"}
        )
        assert response.status_code == 302
        assert Round.objects.filter(program=dmp, name="Round 3").exists()

    def test_a_round_tier_must_belong_to_its_program(self, staff, dmp, ilead):
        from django.core.exceptions import ValidationError

        round_ = Round(program=dmp, tier=ilead.tiers.first(), name="Mixed")
        with pytest.raises(ValidationError):
            round_.full_clean()

    def test_a_coordinator_adds_an_exclusion_that_the_engine_respects(
        self, client, coordinator, dmp, dmp_round
    ):
        from matching.models import Exclusion

        mentee, mentor = accepted_mentee(dmp), accepted_mentor(dmp)
        client.force_login(coordinator)
        response = client.post(
            reverse("admin:matching_exclusion_add"),
            {"program": dmp.pk, "mentee": mentee.pk, "mentor": mentor.pk, "reason": "Supervisor"},
        )
        assert response.status_code == 302
        assert Exclusion.objects.get().created_by == coordinator
        assert services.round_run(round_=dmp_round, mode=MatchSource.OPTIMAL) == []

    def test_matches_are_read_only_and_narrowed_to_their_programs(
        self, client, coordinator, coordinator_of, first_round, dmp, ilead
    ):
        match = services.match_publish_one(
            round_=first_round, mentee=accepted_mentee(dmp), mentor=accepted_mentor(dmp)
        )
        client.force_login(coordinator)
        assert client.get(reverse("admin:matching_match_change", args=[match.pk])).status_code == 200
        assert client.get(reverse("admin:matching_match_add")).status_code == 403
        client.force_login(coordinator_of(ilead))
        assert client.get(reverse("admin:matching_match_changelist")).content.decode().count(str(match)) == 0
        assert client.get(reverse("admin:matching_match_change", args=[match.pk])).status_code == 302


def test_the_board_offers_the_first_waitlisted_mentees_when_a_place_appears(
    client, coordinator, first_round, dmp
):
    first = accepted_mentee(dmp, specialties=["Surgery"])
    accepted_mentee(dmp)
    client.force_login(coordinator)
    assert "Next on the waitlist" not in client.get(board_url(first_round)).content.decode()
    mentor = accepted_mentor(dmp, specialties=["Surgery"], capacity=1)
    html = client.get(board_url(first_round)).content.decode()
    assert "Next on the waitlist" in html
    assert f'Match<span class="visually-hidden"> {first.applicant} with {mentor.applicant}' in html
    action(client, first_round, action="publish_one", mentee=first.pk, mentor=mentor.pk, confirm="yes")
    assert Match.objects.get(mentee=first).status == MatchStatus.PUBLISHED
    assert "Next on the waitlist" not in client.get(board_url(first_round)).content.decode()


def test_a_rounds_status_changes_only_through_the_board(client, coordinator, dmp_round):
    client.force_login(coordinator)
    url = reverse("admin:matching_round_change", args=[dmp_round.pk])
    response = client.post(url, {"name": "Renamed", "status": "published", "is_public": "on"})
    assert response.status_code == 302
    dmp_round.refresh_from_db()
    assert (dmp_round.name, dmp_round.status) == ("Renamed", "planned")


class TestBadInputOnTheBoard:
    """Tampered or missing ids in the board's forms are refused with a 4xx and
    change nothing; they never reach the database as they are."""

    @pytest.mark.parametrize(
        "data",
        [
            {"action": "remove", "match": "abc"},
            {"action": "remove"},
            {"action": "swap", "first": "x", "second": "1"},
            {"action": "add", "mentee": "1.5", "mentor": "2"},
            {"action": "add", "mentee": "", "mentor": ""},
            {"action": "publish_one", "mentee": "zz", "mentor": "99999999999999999999999"},
            {"action": "move_up", "mentee": "-1"},
            {"action": "move_down", "mentee": "١"},  # an Arabic-Indic digit
        ],
    )
    def test_non_numeric_or_missing_ids_are_not_found(self, client, coordinator, dmp_round, pair, data):
        client.force_login(coordinator)
        assert action(client, dmp_round, **data).status_code == 404
        assert not Match.objects.exists()

    def test_ids_of_another_program_or_round_are_not_found(
        self, client, coordinator, dmp_round, first_round, ilead, pair
    ):
        mentee, mentor = pair
        other_mentee, other_mentor = accepted_mentee(ilead), accepted_mentor(ilead)
        elsewhere = services.match_publish_one(round_=first_round, mentee=mentee, mentor=mentor)
        client.force_login(coordinator)
        assert (
            action(client, dmp_round, action="add", mentee=other_mentee.pk, mentor=mentor.pk).status_code
            == 404
        )
        assert (
            action(client, dmp_round, action="add", mentee=mentee.pk, mentor=other_mentor.pk).status_code
            == 404
        )
        assert action(client, dmp_round, action="remove", match=elsewhere.pk).status_code == 404
        assert Match.objects.get(pk=elsewhere.pk).status == MatchStatus.PUBLISHED
        assert Match.objects.count() == 1

    def test_an_unknown_action_and_a_double_publish_say_so(self, client, coordinator, dmp_round, pair):
        mentee, mentor = pair
        client.force_login(coordinator)
        assert action(client, dmp_round, action="bogus").status_code == 302
        assert "Unknown action." in client.get(board_url(dmp_round)).content.decode()
        action(client, dmp_round, action="add", mentee=mentee.pk, mentor=mentor.pk)
        assert publish(client, dmp_round).status_code == 302
        assert action(client, dmp_round, action="publish").status_code == 302
        assert "There are no proposed pairs to publish." in client.get(board_url(dmp_round)).content.decode()
        assert action(client, dmp_round, action="publish", confirm="yes").status_code == 302
        assert "already published" in client.get(board_url(dmp_round)).content.decode()
        assert Match.objects.filter(status=MatchStatus.PUBLISHED).count() == 1

    def test_get_is_not_allowed_on_the_actions(self, client, coordinator, dmp_round):
        client.force_login(coordinator)
        response = client.get(reverse("admin:matching_round_board_action", args=[dmp_round.pk]))
        assert response.status_code == 405


class TestEndingAMatch:
    @pytest.fixture
    def end_url(self, first_round, pair):
        mentee, mentor = pair
        match = services.match_publish_one(round_=first_round, mentee=mentee, mentor=mentor)
        return reverse("admin:matching_round_end", args=[first_round.pk, match.pk])

    def test_an_oversized_reason_is_refused_and_kept_in_the_form(self, client, coordinator, end_url):
        client.force_login(coordinator)
        response = client.post(end_url, {"reason": "x" * 2001, "rematch": "no"})
        html = response.content.decode()
        assert response.status_code == 422
        assert "Keep the reason under 2000 characters." in html
        assert "x" * 2001 in html  # nothing typed is lost, the choice neither
        assert 'value="no" checked' in html
        assert Match.objects.get().status == MatchStatus.PUBLISHED

    @pytest.mark.parametrize(
        "data", [{"reason": "Clash", "rematch": "maybe"}, {"reason": "Null \x00 byte", "rematch": "yes"}, {}]
    )
    def test_bad_input_is_refused_with_a_message(self, client, coordinator, end_url, data):
        client.force_login(coordinator)
        response = client.post(end_url, data)
        assert response.status_code == 422
        assert 'class="errorlist' in response.content.decode()
        assert Match.objects.get().status == MatchStatus.PUBLISHED

    def test_another_programs_coordinator_cannot_end_it(self, client, coordinator_of, ilead, end_url):
        client.force_login(coordinator_of(ilead))
        assert client.post(end_url, {"reason": "Mine now", "rematch": "no"}).status_code == 403
        assert Match.objects.get().status == MatchStatus.PUBLISHED

    def test_ending_twice_says_it_is_no_longer_published(self, client, coordinator, end_url):
        client.force_login(coordinator)
        assert client.post(end_url, {"reason": "Moved away", "rematch": "yes"}).status_code == 302
        assert client.post(end_url, {"reason": "Moved away", "rematch": "yes"}).status_code == 404


class TestNoIdentityThroughTheConsole:
    def test_match_reasons_cannot_be_filtered_on(self, client, staff, coordinator):
        for user in (staff, coordinator):
            client.force_login(user)
            url = reverse("admin:matching_match_changelist") + "?reasons__icontains=identity"
            assert client.get(url).status_code == 400

    def test_other_programs_rounds_are_not_in_the_match_filters(
        self, client, coordinator, ilead, first_round, pair
    ):
        Round.objects.create(program=ilead, name="iLEAD secret round")
        client.force_login(coordinator)
        html = client.get(reverse("admin:matching_match_changelist")).content.decode()
        assert "iLEAD secret round" not in html

    def test_another_programs_coordinator_gets_nothing_from_history_or_autocomplete(
        self, client, coordinator_of, ilead, first_round, pair
    ):
        mentee, mentor = pair
        match = services.match_publish_one(round_=first_round, mentee=mentee, mentor=mentor)
        client.force_login(coordinator_of(ilead))
        for url in [
            reverse("admin:matching_match_history", args=[match.pk]),
            reverse("admin:matching_match_change", args=[match.pk]),
            reverse("admin:matching_round_history", args=[first_round.pk]),
        ]:
            response = client.get(url)
            assert response.status_code in (302, 403, 404), url
            assert str(mentee.applicant) not in response.content.decode()
        for field in ("mentee", "mentor"):
            url = f"/admin/autocomplete/?app_label=matching&model_name=exclusion&field_name={field}&term="
            response = client.get(url)
            assert response.status_code in (200, 403)
            assert str(mentee.applicant) not in response.content.decode()
            assert str(mentor.applicant) not in response.content.decode()
