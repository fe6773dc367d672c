import datetime

import pytest
from django.urls import reverse

from programs.models import MenteeIntake, Program, Resource, SiteContent


@pytest.mark.django_db
class TestLanding:
    def test_it_shows_the_page_wording_from_the_database(self, client, demo):
        SiteContent.objects.filter(pk=1).update(
            title="Our Mentorship Programs",
            contact_text="Questions? Write to the team at",
            contact_email="team@example.edu",
            equity_intro="Why equity mentorship matters here.",
            database_last_updated=datetime.date(2024, 7, 1),
        )
        html = client.get("/").content.decode()
        assert "<h1>Our Mentorship Programs</h1>" in html
        assert "Questions? Write to the team at" in html
        assert "mailto:team@example.edu" in html
        assert "Why equity mentorship matters here." in html
        assert 'href="/database/"' in html
        assert 'href="/database/suggest/"' in html
        assert "July 2024" in html

    def test_it_has_a_tile_per_published_program_linking_to_its_page(self, client, demo):
        html = client.get("/").content.decode()
        assert 'href="/programs/dmp/"' in html
        assert 'href="/programs/ilead/"' in html

    def test_staff_edits_to_the_text_appear(self, client, demo):
        SiteContent.objects.filter(pk=1).update(intro="A brand new introduction.")
        assert "A brand new introduction." in client.get("/").content.decode()

    def test_an_unpublished_program_has_no_tile(self, client, demo):
        Program.objects.filter(slug="ilead").update(is_published=False)
        assert 'href="/programs/ilead/"' not in client.get("/").content.decode()

    def test_a_new_published_program_appears_without_code(self, client, demo):
        Program.objects.create(
            slug="peer",
            name="Peer Circles",
            summary="Small peer groups.",
            audience="Everyone",
            contact_email="peer@example.edu",
            is_published=True,
        )
        assert 'href="/programs/peer/"' in client.get("/").content.decode()
        assert client.get("/programs/peer/").status_code == 200

    def test_it_lists_resources(self, client, demo):
        Resource.objects.create(title="Peer Support & Wellness", url="https://wellness.example.edu/", order=0)
        html = client.get("/").content.decode()
        assert '<a href="https://wellness.example.edu/">Peer Support &amp; Wellness</a>' in html

    def test_each_tile_shows_the_intake_status_and_the_apply_links(self, client, demo):
        html = client.get("/").content.decode()
        assert "Mentee intake: limited." in html
        assert "Mentor recruitment: ongoing." in html
        assert 'href="/programs/dmp/apply/mentee/">Apply as a mentee' in html
        assert 'href="/programs/ilead/apply/mentor/">Apply as a mentor' in html

    def test_a_closed_intake_has_no_apply_link(self, client, demo):
        Program.objects.filter(slug="dmp").update(mentee_intake=MenteeIntake.CLOSED)
        html = client.get("/").content.decode()
        assert "Mentee intake: closed." in html
        assert "/programs/dmp/apply/mentee/" not in html
        assert "/programs/dmp/apply/mentor/" in html

    def test_the_menu_folds_into_a_disclosure_on_phones(self, client, demo):
        html = client.get("/").content.decode()
        assert '<details class="site-menu d-md-none">' in html
        assert "<summary" in html

    def test_query_count_is_fixed(self, client, demo, django_assert_num_queries):
        # site content, published programs, resources, database last updated
        with django_assert_num_queries(4):
            assert client.get("/").status_code == 200


@pytest.mark.django_db
class TestProgramPage:
    def test_dmp_shows_audience_outcomes_and_statuses(self, client, demo):
        dmp = demo["dmp"]
        Program.objects.filter(pk=dmp.pk).update(
            audience="Learners in MD, PT, OT & SLP.", mentor_recruitment_message="Mentors wanted!"
        )
        dmp.outcomes.all().delete()
        dmp.outcomes.create(text="A network for career planning", order=1)
        dmp.outcomes.create(text="Belonging & support", order=2)
        html = client.get("/programs/dmp/").content.decode()
        assert "Learners in MD, PT, OT &amp; SLP." in html
        assert "<li>A network for career planning</li><li>Belonging &amp; support</li>" in html
        assert "The first round of matching is complete" in html
        assert "Mentors wanted!" in html

    def test_ilead_shows_both_tiers(self, client, demo):
        ilead = demo["ilead"]
        ilead.tiers.filter(number=1).update(name="First", description="Newcomers with seniors.")
        ilead.tiers.filter(number=2).update(name="Second", description="Seniors with residents.")
        html = client.get("/programs/ilead/").content.decode()
        assert "<strong>First:</strong> Newcomers with seniors." in html
        assert "<strong>Second:</strong> Seniors with residents." in html

    def test_apply_buttons_point_to_the_final_urls(self, client, demo):
        html = client.get("/programs/dmp/").content.decode()
        assert 'href="/programs/dmp/apply/mentee/"' in html
        assert 'href="/programs/dmp/apply/mentor/"' in html
        assert reverse("applications:apply_mentee", args=["dmp"]) == "/programs/dmp/apply/mentee/"

    def test_closed_intake_hides_the_mentee_button_and_says_so(self, client, demo):
        Program.objects.filter(slug="dmp").update(mentee_intake=MenteeIntake.CLOSED)
        html = client.get("/programs/dmp/").content.decode()
        assert "Mentee applications are closed" in html
        assert 'href="/programs/dmp/apply/mentee/"' not in html

    def test_open_intake_has_its_own_wording(self, client, demo):
        Program.objects.filter(slug="dmp").update(mentee_intake=MenteeIntake.OPEN)
        assert "Mentee applications are open" in client.get("/programs/dmp/").content.decode()

    def test_unpublished_program_is_404(self, client, demo):
        Program.objects.filter(slug="dmp").update(is_published=False)
        assert client.get("/programs/dmp/").status_code == 404

    def test_missing_program_gets_the_styled_404(self, client, demo):
        response = client.get("/programs/nope/")
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()
        assert "skip-link" in response.content.decode()

    def test_query_count_is_fixed(self, client, demo, django_assert_num_queries):
        # program, outcomes, mentee types, mentor types, tiers, tiers' mentee
        # types, tiers' mentor types, matching rounds (status lines), ranking
        # windows (participant choice)
        with django_assert_num_queries(9):
            assert client.get("/programs/ilead/").status_code == 200


def test_the_favicon_is_linked_and_its_usual_address_leads_to_it(client, db):
    html = client.get("/").content.decode()
    assert 'rel="icon"' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.ico")
    assert "/static/" in response["Location"]


def test_the_500_page_renders_without_a_database(rf):
    from mentorship.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
