import pytest

from matching import demo as matching_demo
from matching import services
from matching.models import Round, RoundStatus
from matching.selectors import public_round_status
from tests.factories import accepted_mentee, accepted_mentor

pytestmark = pytest.mark.django_db


class TestPublicStatus:
    def test_the_program_page_shows_the_rounds_status(self, client, demo):
        matching_demo.seed()
        html = client.get("/programs/dmp/").content.decode()
        assert "Round 1, Fall 2025: complete" in html
        html = client.get("/programs/ilead/").content.decode()
        assert "Tier 1, Round 1, Fall 2025: complete" in html
        assert "Tier 2, Round 1, Fall 2025: complete" in html

    def test_the_latest_public_round_wins_and_planned_ones_are_hidden(self, dmp):
        Round.objects.create(program=dmp, name="Round 1, Fall 2025", status=RoundStatus.COMPLETE)
        Round.objects.create(program=dmp, name="Round 3, Fall 2026", status=RoundStatus.PLANNED)
        assert public_round_status(dmp) == ["Round 1, Fall 2025: complete"]
        Round.objects.create(program=dmp, name="Round 2, Winter 2026", status=RoundStatus.DRAFT)
        assert public_round_status(dmp) == ["Round 2, Winter 2026: matching in progress"]

    def test_the_demo_seed_is_idempotent(self, demo):
        matching_demo.seed()
        matching_demo.seed()
        assert Round.objects.count() == 6


def test_the_end_page_names_who_will_be_emailed(client, coordinator, dmp, dmp_round):
    from matching import selectors

    mentee, mentor = accepted_mentee(dmp), accepted_mentor(dmp, capacity=2)
    other_mentee = accepted_mentee(dmp)
    match = services.proposal_add(round_=dmp_round, mentee=mentee, mentor=mentor, by=coordinator)
    other = services.proposal_add(round_=dmp_round, mentee=other_mentee, mentor=mentor, by=coordinator)
    services.round_publish(round_=dmp_round, by=coordinator)
    client.force_login(coordinator)
    match.refresh_from_db()
    html = client.get(f"/admin/matching/round/{dmp_round.pk}/board/end/{match.pk}/").content.decode()
    assert "Who will be emailed" in html and mentee.applicant.email in html
    assert "is not emailed: they keep their other mentees" in html
    assert selectors.mentor_keeps_other_matches(match)
    other.refresh_from_db()
    services.match_end(match=other, reason="Moved away.", rematch=True, by=coordinator)
    assert not selectors.mentor_keeps_other_matches(match)
