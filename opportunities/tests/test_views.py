import datetime
import re

import pytest
from django.urls import reverse

from opportunities.models import Format, HostType, Kind, Opportunity
from opportunities.selectors import database_last_updated

from .factories import bulk_opportunities, make_opportunity

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 26)


@pytest.fixture
def freeze_today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY if not a else a[0].date())


def names(response) -> list[str]:
    return [o.name for o in response.context["page"].object_list]


@pytest.fixture
def catalogue(learner_types):
    return {
        "fm": make_opportunity(
            name="Family Medicine Mentorship",
            kind=Kind.FORMAL,
            host_type=HostType.DEPARTMENT,
            host_name="Department of Family and Community Medicine",
            specialties=["Family Medicine"],
            learners=["MD1", "MD2"],
            deadline=TODAY + datetime.timedelta(days=10),
            format=Format.BOTH,
        ),
        "sead": make_opportunity(
            name="Surgical Exploration Summer",
            kind=Kind.SUMMER,
            host_type=HostType.DEPARTMENT,
            host_name="Department of Surgery",
            specialties=["General Surgery"],
            learners=["MD1"],
            deadline=TODAY + datetime.timedelta(days=90),
            format=Format.IN_PERSON,
            description="Summer shadowing in the operating room.",
        ),
        "cma": make_opportunity(
            name="CMA Mentorship",
            kind=Kind.FORMAL,
            host_type=HostType.ASSOCIATION,
            host_name="Canadian Medical Association",
            specialties=["Family Medicine", "Internal Medicine"],
            learners=["MD3", "PGY1"],
            is_rolling=True,
            format=Format.VIRTUAL,
        ),
        "list": make_opportunity(
            name="Emergency shadowing list",
            kind=Kind.INFORMAL,
            host_type=HostType.HOSPITAL,
            host_name="Sunnybrook Health Sciences Centre",
            specialties=["Emergency Medicine"],
            learners=["MD2"],
            deadline=TODAY - datetime.timedelta(days=5),
            format=Format.IN_PERSON,
        ),
        "hidden": make_opportunity(name="Unpublished draft", is_published=False, kind=Kind.SUMMER),
    }


class TestAccess:
    @pytest.mark.parametrize(
        "path", ["/database/", "/database/export.xlsx?kind=formal", "/database/suggest/"]
    )
    def test_anonymous_people_are_sent_to_log_in_and_back(self, client, path):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
        assert "/database/" in response["Location"]

    def test_anonymous_people_cannot_see_an_opportunity(self, client, catalogue):
        response = client.get(catalogue["fm"].get_absolute_url())
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    @pytest.mark.parametrize("suffix", ["", "export.xlsx", "{pk}/", "{pk}/suggest/"])
    def test_signed_in_non_members_are_refused_with_how_to_join(self, client, outsider, catalogue, suffix):
        client.force_login(outsider)
        response = client.get("/database/" + suffix.format(pk=catalogue["fm"].pk))
        assert response.status_code == 403
        html = response.content.decode()
        assert "institutional members" in html
        assert "verify your institutional email" in html
        assert "Family Medicine Mentorship" not in html

    def test_signed_in_non_members_may_still_propose_a_new_entry(self, client, outsider, catalogue):
        from opportunities.models import Suggestion

        client.force_login(outsider)
        assert client.get("/database/suggest/").status_code == 200
        response = client.post(
            "/database/suggest/",
            {
                "name": "Hospital Peer Circle",
                "kind": "informal",
                "host_type": "hospital",
                "host_name": "Sinai Health",
                "message": "From the education office.",
            },
        )
        assert response.status_code == 302 and response["Location"] == "/"
        assert Suggestion.objects.filter(suggested_by=outsider).exists()

    def test_an_unverified_institutional_address_is_not_enough(self, client, catalogue):
        from conftest import make_user

        client.force_login(make_user("new@mail.example.edu", verified=False))
        assert client.get("/database/").status_code == 403

    def test_members_see_the_list_and_pages(self, client, learner, catalogue):
        client.force_login(learner)
        assert client.get("/database/").status_code == 200
        assert client.get(catalogue["fm"].get_absolute_url()).status_code == 200

    def test_unpublished_entries_are_hidden_from_members_but_not_staff(
        self, client, learner, staff, catalogue
    ):
        client.force_login(learner)
        assert "Unpublished draft" not in client.get("/database/").content.decode()
        assert client.get(catalogue["hidden"].get_absolute_url()).status_code == 404
        client.force_login(staff)
        assert client.get(catalogue["hidden"].get_absolute_url()).status_code == 200

    def test_unpublished_entries_are_404_for_everyone_but_site_staff(
        self, client, learner, staff, catalogue, demo, coordinator_of
    ):
        hidden = catalogue["hidden"]
        coordinator = coordinator_of(demo["dmp"])
        assert coordinator.is_staff and not coordinator.is_superuser
        for user in (learner, coordinator):
            client.force_login(user)
            for url in (hidden.get_absolute_url(), f"/database/{hidden.pk}/suggest/"):
                assert client.get(url).status_code == 404, (user, url)
        client.force_login(staff)
        assert client.get(f"/database/{hidden.pk}/suggest/").status_code == 200

    def test_a_coordinator_does_not_see_an_entrys_history(self, client, catalogue, demo, coordinator_of):
        from opportunities.services.history import opportunity_apply

        opportunity_apply(opportunity=catalogue["cma"], values={"cost": "$20"}, source="admin")
        client.force_login(coordinator_of(demo["dmp"]))
        html = client.get(catalogue["cma"].get_absolute_url()).content.decode()
        assert "History" not in html

    def test_the_list_is_named_for_the_site_navigation(self):
        assert reverse("opportunities:list") == "/database/"


class TestFilters:
    @pytest.fixture(autouse=True)
    def _member(self, client, learner, freeze_today):
        client.force_login(learner)

    def test_no_filter_lists_every_published_entry_by_name(self, client, catalogue):
        assert names(client.get("/database/")) == [
            "CMA Mentorship",
            "Emergency shadowing list",
            "Family Medicine Mentorship",
            "Surgical Exploration Summer",
        ]

    def test_kind(self, client, catalogue):
        assert names(client.get("/database/?kind=summer")) == ["Surgical Exploration Summer"]

    def test_several_values_of_one_filter_widen_and_filters_narrow(self, client, catalogue):
        assert names(client.get("/database/?kind=summer&kind=informal")) == [
            "Emergency shadowing list",
            "Surgical Exploration Summer",
        ]
        assert names(client.get("/database/?kind=formal&host_type=association")) == ["CMA Mentorship"]

    def test_host(self, client, catalogue):
        assert names(client.get("/database/?host=Department+of+Surgery")) == ["Surgical Exploration Summer"]

    def test_specialty_matches_any_of_an_entrys_specialties_once(self, client, catalogue):
        response = client.get("/database/?specialty=Family+Medicine&specialty=Internal+Medicine")
        assert names(response) == ["CMA Mentorship", "Family Medicine Mentorship"]

    def test_eligible_learners(self, client, catalogue):
        assert names(client.get("/database/?learners=PGY1")) == ["CMA Mentorship"]
        assert names(client.get("/database/?learners=MD1")) == [
            "Family Medicine Mentorship",
            "Surgical Exploration Summer",
        ]

    def test_rows_and_the_filter_summary_name_learners_compactly(self, client, catalogue):
        html = client.get("/database/?q=CMA").content.decode()
        assert "MD 3, PGY 1" in re.sub(r"\s+", " ", html)
        response = client.get("/database/?learners=PGY1&learners=MD3&learners=MD4")
        assert ("Eligible learners", "MD 3–4, PGY 1") in response.context["active_filters"]

    def test_deadline_buckets(self, client, catalogue):
        assert names(client.get("/database/?deadline=month")) == ["Family Medicine Mentorship"]
        assert names(client.get("/database/?deadline=later")) == ["Surgical Exploration Summer"]
        assert names(client.get("/database/?deadline=rolling")) == ["CMA Mentorship"]
        assert names(client.get("/database/?deadline=passed")) == ["Emergency shadowing list"]
        assert names(client.get("/database/?deadline=rolling&deadline=month")) == [
            "CMA Mentorship",
            "Family Medicine Mentorship",
        ]

    def test_format(self, client, catalogue):
        assert names(client.get("/database/?format=in_person")) == [
            "Emergency shadowing list",
            "Surgical Exploration Summer",
        ]

    def test_search_looks_in_names_hosts_descriptions_and_specialties(self, client, catalogue):
        assert names(client.get("/database/?q=operating")) == ["Surgical Exploration Summer"]
        assert names(client.get("/database/?q=sunnybrook")) == ["Emergency shadowing list"]
        assert names(client.get("/database/?q=internal+medicine")) == ["CMA Mentorship"]
        assert names(client.get("/database/?q=family+department")) == ["Family Medicine Mentorship"]

    def test_an_unknown_host_or_specialty_matches_nothing(self, client, catalogue):
        assert names(client.get("/database/?host=Gone")) == []
        assert "No opportunities match" in client.get("/database/?specialty=Gone").content.decode()

    def test_an_invalid_choice_matches_nothing_and_is_named(self, client, catalogue):
        # Dropping the unknown value's whole filter would widen the list.
        response = client.get("/database/?kind=nonsense&format=virtual")
        assert names(response) == []
        assert response.context["unknown_notices"] == [("Kind", ["nonsense"])]
        assert names(client.get("/database/?kind=nonsense&kind=formal&format=virtual")) == ["CMA Mentorship"]


class TestFacetCounts:
    @pytest.fixture(autouse=True)
    def _member(self, client, learner, freeze_today):
        client.force_login(learner)

    def facet(self, response, name):
        return {
            o.value: o.count for o in next(f for f in response.context["facets"] if f.name == name).options
        }

    def test_each_value_shows_how_many_entries_it_has(self, client, catalogue):
        response = client.get("/database/")
        assert self.facet(response, "kind") == {"formal": 2, "informal": 1, "summer": 1}
        assert self.facet(response, "specialty") == {
            "Emergency Medicine": 1,
            "Family Medicine": 2,
            "General Surgery": 1,
            "Internal Medicine": 1,
        }
        assert self.facet(response, "deadline") == {
            "month": 1,
            "later": 1,
            "rolling": 1,
            "none": 0,
            "passed": 1,
        }
        assert self.facet(response, "learners")["MD1"] == 2
        html = response.content.decode()
        assert re.search(r"Summer opportunity\s*<span[^>]*>\(1\)</span>", html)

    def test_counts_follow_the_other_filters_but_not_their_own(self, client, catalogue):
        response = client.get("/database/?kind=formal")
        # The kind facet still offers the other kinds with their counts...
        assert self.facet(response, "kind") == {"formal": 2, "informal": 1, "summer": 1}
        # ...while the other facets count formal programs only.
        assert self.facet(response, "format") == {"both": 1, "virtual": 1, "in_person": 0}
        assert self.facet(response, "specialty") == {"Family Medicine": 2, "Internal Medicine": 1}

    def test_a_chosen_value_stays_visible_and_checked_even_with_no_match(self, client, catalogue):
        response = client.get("/database/?host=Gone")
        host = next(f for f in response.context["facets"] if f.name == "host")
        assert [(o.value, o.count, o.checked) for o in host.visible_options if o.checked] == [
            ("Gone", 0, True)
        ]
        assert 'value="Gone"' in response.content.decode() and "checked" in response.content.decode()


class TestSortingAndPages:
    @pytest.fixture(autouse=True)
    def _member(self, client, learner, freeze_today):
        client.force_login(learner)

    def test_columns_sort_both_ways_with_missing_deadlines_last(self, client, catalogue):
        make_opportunity(name="Aardvark program", deadline=None)
        assert names(client.get("/database/?sort=deadline")) == [
            "Emergency shadowing list",
            "Family Medicine Mentorship",
            "Surgical Exploration Summer",
            "Aardvark program",
            "CMA Mentorship",
        ]
        assert names(client.get("/database/?sort=-deadline"))[:3] == [
            "Surgical Exploration Summer",
            "Family Medicine Mentorship",
            "Emergency shadowing list",
        ]
        assert names(client.get("/database/?sort=-name"))[0] == "Surgical Exploration Summer"
        assert names(client.get("/database/?sort=kind"))[:2] == ["Aardvark program", "CMA Mentorship"]
        assert names(client.get("/database/?sort=-kind"))[0] == "Surgical Exploration Summer"

    def test_an_unknown_sort_falls_back_to_name(self, client, catalogue):
        assert names(client.get("/database/?sort=password"))[0] == "CMA Mentorship"

    def test_the_sort_menu_offers_each_order_and_shows_the_current_one(self, client, catalogue):
        html = client.get("/database/?kind=formal&sort=deadline").content.decode()
        assert '<option value="deadline" selected>Deadline (soonest first)</option>' in html
        assert '<option value="-deadline" >Deadline (latest first)</option>' in html
        assert "sorted by deadline (ascending)" in html

    def test_pages_of_25_keep_the_filters(self, client, learner_types):
        bulk_opportunities(60)
        assert len(names(client.get("/database/?sort=-name"))) == 25
        assert client.get("/database/?kind=formal").context["page"].paginator.count == 20
        response = client.get("/database/?sort=name&page=3")
        assert len(names(response)) == 10
        html = client.get("/database/?q=Bulk&sort=name").content.decode()
        assert 'href="?q=Bulk&amp;sort=name&amp;page=2"' in html

    def test_the_download_link_carries_the_same_query(self, client, catalogue):
        html = client.get("/database/?kind=summer&sort=-deadline&page=1").content.decode()
        assert 'href="/database/export.xlsx?kind=summer&amp;sort=-deadline"' in html


class TestQueryCount:
    def test_the_list_makes_the_same_queries_for_10_or_10000_entries(
        self, client, learner, learner_types, django_assert_num_queries
    ):
        client.force_login(learner)
        bulk_opportunities(10)
        url = "/database/?kind=formal&kind=summer&specialty=Family+Medicine&sort=-deadline&q=bulk"
        # session, user, social accounts, verified emails (membership), page
        # count, page rows, their specialties, their learner types, seven
        # facets (kind, host type, host, specialty, learners, deadline,
        # format) and the last-updated date.
        with django_assert_num_queries(16):
            assert client.get(url).status_code == 200
        bulk_opportunities(9_990)
        assert Opportunity.objects.count() == 10_000
        with django_assert_num_queries(16):
            response = client.get(url)
        assert len(response.context["page"].object_list) == 25


class TestDetail:
    def test_it_shows_the_fields_and_a_correction_link(self, client, learner, catalogue):
        client.force_login(learner)
        opportunity = catalogue["cma"]
        html = client.get(opportunity.get_absolute_url()).content.decode()
        assert "Canadian Medical Association" in html
        assert "Rolling" in html
        assert re.search(r"Family Medicine,\s*Internal Medicine", html)
        assert f'href="/database/{opportunity.pk}/suggest/"' in html
        assert "History" not in html

    def test_staff_see_its_history(self, client, staff, catalogue):
        from opportunities.services.history import opportunity_apply

        opportunity_apply(opportunity=catalogue["cma"], values={"cost": "$20"}, source="admin", user=staff)
        client.force_login(staff)
        html = client.get(catalogue["cma"].get_absolute_url()).content.decode()
        assert "History (staff only)" in html and "cost" in html


class TestLastUpdated:
    def test_it_is_the_latest_verification_or_edit_of_a_published_entry(self, learner_types):
        assert database_last_updated() is None
        opportunity = make_opportunity(last_verified=datetime.date(2030, 1, 2))
        make_opportunity(last_verified=datetime.date(2031, 1, 1), is_published=False)
        assert database_last_updated() == datetime.date(2030, 1, 2)
        Opportunity.objects.filter(pk=opportunity.pk).update(last_verified=datetime.date(2020, 1, 1))
        from django.utils import timezone

        assert database_last_updated() == timezone.localdate()

    def test_the_landing_page_and_the_list_show_it(self, client, demo, learner):
        make_opportunity(last_verified=datetime.date(2099, 3, 4))
        assert "March 2099" in client.get("/").content.decode()
        client.force_login(learner)
        assert "March 4, 2099" in client.get("/database/").content.decode()


class TestAdminPages:
    def test_staff_pages_render(self, client, staff, catalogue, learner):
        from opportunities.models import ExportJob, Suggestion

        Suggestion.objects.create(suggested_by=learner, proposed={"name": "New", "host_name": "Host"})
        ExportJob.objects.create(
            requested_by=learner, expires_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
        )
        client.force_login(staff)
        for url in (
            "/admin/opportunities/opportunity/",
            f"/admin/opportunities/opportunity/{catalogue['fm'].pk}/change/",
            "/admin/opportunities/opportunity/add/",
            "/admin/opportunities/opportunity/import/",
            "/admin/opportunities/suggestion/",
            f"/admin/opportunities/suggestion/{Suggestion.objects.get().pk}/change/",
            "/admin/opportunities/exportjob/",
        ):
            assert client.get(url).status_code == 200, url


class TestAdminAccess:
    """Only site staff (superusers) manage the database in the admin;
    coordinators (is_staff, without the app's permissions) are refused."""

    URLS = [
        "/admin/opportunities/opportunity/",
        "/admin/opportunities/opportunity/add/",
        "/admin/opportunities/opportunity/{opportunity}/change/",
        "/admin/opportunities/opportunity/import/",
        "/admin/opportunities/suggestion/",
        "/admin/opportunities/suggestion/{suggestion}/change/",
        "/admin/opportunities/exportjob/",
        "/admin/opportunities/exportjob/{job}/change/",
    ]

    @pytest.fixture
    def objects(self, catalogue, learner):
        from opportunities.models import ExportJob, Suggestion

        suggestion = Suggestion.objects.create(
            opportunity=catalogue["cma"], suggested_by=learner, proposed={"cost": "$1"}
        )
        job = ExportJob.objects.create(
            requested_by=learner, expires_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
        )
        return {"opportunity": catalogue["cma"].pk, "suggestion": suggestion.pk, "job": job.pk}

    def test_a_coordinator_is_refused_every_page_and_action(self, client, objects, demo, coordinator_of):
        from opportunities.models import Suggestion

        client.force_login(coordinator_of(demo["dmp"]))
        assert "Opportunities" not in client.get("/admin/").content.decode()
        for url in self.URLS:
            assert client.get(url.format(**objects)).status_code == 403, url
        review = f"/admin/opportunities/suggestion/{objects['suggestion']}/review/"
        assert client.post(review, {"decision": "approve"}).status_code == 403
        assert Suggestion.objects.get().status == Suggestion.Status.PENDING
        response = client.post("/admin/opportunities/opportunity/import/", {"token": "0" * 32})
        assert response.status_code == 403

    def test_members_and_anonymous_people_are_sent_to_the_admin_login(self, client, objects, learner):
        for user in (None, learner):
            if user:
                client.force_login(user)
            for url in self.URLS:
                response = client.get(url.format(**objects))
                assert response.status_code == 302 and "/admin/login/" in response["Location"], url

    def test_site_staff_reach_every_page(self, client, objects, staff):
        client.force_login(staff)
        for url in self.URLS:
            assert client.get(url.format(**objects)).status_code == 200, url


class TestDetailQueries:
    def test_an_opportunity_page_makes_a_fixed_number_of_queries(
        self, client, learner, catalogue, django_assert_num_queries
    ):
        client.force_login(learner)
        # session, user, social accounts, verified emails (membership), the
        # opportunity, its specialties, its learner types
        with django_assert_num_queries(7):
            assert client.get(catalogue["cma"].get_absolute_url()).status_code == 200


class TestSearchSpellings:
    @pytest.fixture(autouse=True)
    def _member(self, client, learner, freeze_today):
        client.force_login(learner)

    @pytest.fixture
    def spelled(self, catalogue):
        return {
            "peds": make_opportunity(name="SickKids Summer", specialties=["Paediatrics"]),
            "obgyn": make_opportunity(
                name="Women's Health Circle", specialties=["Obstetrics and Gynaecology"]
            ),
            "ortho": make_opportunity(name="Bone and Joint Days", specialties=["Orthopaedic Surgery"]),
            "anaes": make_opportunity(name="Airway Club", description="Anaesthesia residents host."),
            "member": make_opportunity(name="Member directory", description="Membership list."),
        }

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("pediatrics", ["SickKids Summer"]),
            ("peds", ["SickKids Summer"]),
            ("paediatric", ["SickKids Summer"]),
            ("gynecology", ["Women's Health Circle"]),
            ("ob/gyn", ["Women's Health Circle"]),
            ("obgyn", ["Women's Health Circle"]),
            ("orthopedic", ["Bone and Joint Days"]),
            ("ortho", ["Bone and Joint Days"]),
            ("anesthesia", ["Airway Club"]),
            ("em", ["Emergency shadowing list"]),
            ("fm", ["CMA Mentorship", "Family Medicine Mentorship"]),
            ("im", ["CMA Mentorship"]),
            ("peds summer", ["SickKids Summer"]),
        ],
    )
    def test_either_spelling_or_a_common_abbreviation_finds_an_entry(self, client, spelled, query, expected):
        assert names(client.get("/database/", {"q": query})) == expected

    def test_the_search_makes_as_many_queries_with_synonyms_as_without(
        self, client, spelled, django_assert_num_queries
    ):
        # The same 16 as TestQueryCount: synonyms widen the WHERE clause only.
        with django_assert_num_queries(16):
            response = client.get("/database/?specialty=Paediatrics&sort=-deadline&q=peds+summer")
        assert names(response) == ["SickKids Summer"]


class TestUnknownFilterValues:
    """An unknown value matches nothing, is named on the page, and the
    download holds exactly what the page shows."""

    @pytest.fixture(autouse=True)
    def _member(self, client, learner, freeze_today):
        client.force_login(learner)

    def download_names(self, client, query):
        import io

        from openpyxl import load_workbook

        response = client.get(f"/database/export.xlsx?{query}")
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        about = {r[0]: r[1] for r in workbook["About"].iter_rows(min_row=2, values_only=True)}
        return [r[0] for r in workbook["Opportunities"].iter_rows(min_row=2, values_only=True)], about

    @pytest.mark.parametrize(
        ("query", "legend", "value"),
        [
            ("kind=nonsense", "Kind", "nonsense"),
            ("learners=MD9", "Eligible learners", "MD9"),
            ("deadline=2026-13-45", "Deadline", "2026-13-45"),
            ("format=zoom", "Format", "zoom"),
            ("host_type=%3Cscript%3E", "Host type", "<script>"),
        ],
    )
    def test_an_unknown_value_alone_shows_nothing_and_says_why(self, client, catalogue, query, legend, value):
        response = client.get(f"/database/?{query}")
        assert names(response) == []
        assert response.context["unknown_notices"] == [(legend, [value])]
        html = response.content.decode()
        assert "Some filter values were not recognised" in html and 'href="?"' in html
        assert "<script>" not in html.split("<main", 1)[1]
        rows, about = self.download_names(client, query)
        assert rows == []
        assert "not recognised" in about[legend]

    def test_beside_known_values_it_only_narrows(self, client, catalogue):
        query = "kind=formal&kind=nonsense&learners=MD3&learners=XX&sort=-name"
        response = client.get(f"/database/?{query}")
        assert names(response) == ["CMA Mentorship"]
        assert response.context["unknown_notices"] == [("Kind", ["nonsense"]), ("Eligible learners", ["XX"])]
        assert response.context["query_without_unknown"] == "kind=formal&learners=MD3&sort=-name"
        rows, _ = self.download_names(client, query)
        assert rows == names(response)

    def test_every_kind_and_an_unknown_one_is_still_every_kind(self, client, catalogue):
        query = "kind=formal&kind=informal&kind=summer&kind=nonsense&format=virtual"
        assert names(client.get(f"/database/?{query}")) == ["CMA Mentorship"]
        assert self.download_names(client, query)[0] == ["CMA Mentorship"]

    def test_a_known_learner_type_with_no_match_shows_its_label_not_its_code(self, client, catalogue):
        response = client.get("/database/?learners=MD4")
        learners = next(f for f in response.context["facets"] if f.name == "learners")
        assert [(o.value, o.label, o.count, o.checked) for o in learners.visible_options if o.checked] == [
            ("MD4", "MD year 4", 0, True)
        ]
        assert response.context["unknown_notices"] == []
        assert ("Eligible learners", "MD 4") in response.context["active_filters"]


class TestBackToTheList:
    @pytest.fixture(autouse=True)
    def _member(self, client, learner, freeze_today):
        client.force_login(learner)

    def test_a_row_links_to_its_page_with_the_lists_query(self, client, catalogue):
        html = client.get("/database/?kind=formal&q=mentorship&page=1").content.decode()
        assert f'href="/database/{catalogue["cma"].pk}/?kind=formal&amp;q=mentorship&amp;page=1"' in html

    def test_the_back_link_keeps_the_filters_search_and_page_but_nothing_else(self, client, catalogue):
        url = catalogue["cma"].get_absolute_url() + "?kind=formal&q=cma&page=2&sort=-name&next=https://evil"
        html = client.get(url).content.decode()
        assert 'href="/database/?kind=formal&amp;q=cma&amp;page=2&amp;sort=-name#results"' in html
        assert "evil" not in html

    def test_without_a_query_it_is_the_plain_list(self, client, catalogue):
        html = client.get(catalogue["cma"].get_absolute_url()).content.decode()
        assert re.search(r'href="/database/#results">.*Back to the list</a>', html)
        assert "MD 3, PGY 1" in html
