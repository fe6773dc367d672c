import datetime
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from conftest import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_fits_phone_and_desktop,
    assert_keyboard_reaches_everything,
    login,
)
from opportunities.models import ExportJob, Format, HostType, Kind

from .factories import make_opportunity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def entries(learner_types):
    made = [
        make_opportunity(
            name="Family Medicine Mentorship",
            kind=Kind.FORMAL,
            host_name="Department of Family and Community Medicine",
            specialties=["Family Medicine"],
            learners=["MD1", "MD2"],
            format=Format.BOTH,
            is_rolling=True,
        ),
        make_opportunity(
            name="SickKids Summer Research",
            kind=Kind.SUMMER,
            host_type=HostType.HOSPITAL,
            host_name="The Hospital for Sick Children",
            specialties=["Paediatrics"],
            learners=["MD1"],
            deadline=datetime.date(2027, 1, 8),
            format=Format.IN_PERSON,
        ),
        make_opportunity(
            name="Sunnybrook Summer Studentship",
            kind=Kind.SUMMER,
            host_type=HostType.HOSPITAL,
            host_name="Sunnybrook Health Sciences Centre",
            specialties=["Cardiology"],
            learners=["MD2"],
            deadline=datetime.date(2027, 1, 20),
            format=Format.IN_PERSON,
            website="https://sunnybrook.example.org/summer",
        ),
        make_opportunity(
            name="CMA Mentorship",
            kind=Kind.FORMAL,
            host_type=HostType.ASSOCIATION,
            host_name="Canadian Medical Association",
            specialties=["Family Medicine"],
            learners=["PGY1"],
            format=Format.VIRTUAL,
        ),
    ]
    return made


def test_a_learner_filters_and_downloads_exactly_what_they_see(page, learner, entries, tmp_path):
    login(page, learner.email)
    page.goto("/database/")
    assert page.get_by_role("heading", name="OLA Learner Mentorship Database").is_visible()
    assert page.get_by_label("Summer opportunity (2)").is_visible()
    assert_accessible(page, "database-list")

    # With JavaScript a filter applies as soon as it changes; the button is
    # for when it is off.
    assert page.get_by_role("button", name="Apply filters").is_hidden()
    page.get_by_label("Summer opportunity (2)").check()
    page.wait_for_url("**/database/?*kind=summer*")
    # The focus comes back to the checkbox that was changed.
    assert page.evaluate("document.activeElement.value") == "summer"
    page.get_by_label("MD year 2").check()
    page.wait_for_url("**/database/?*learners=MD2*")
    rows = page.locator(".db-list > li")
    assert rows.count() == 1
    assert rows.first.get_by_role("link").inner_text() == "Sunnybrook Summer Studentship"
    assert page.get_by_label("Summer opportunity (1)").is_checked()

    page.get_by_label("Sort by").select_option("-deadline")
    page.wait_for_url("**/database/?*sort=-deadline*")
    assert page.get_by_text("sorted by deadline (descending)").is_visible()

    with page.expect_download() as info:
        page.get_by_role("link", name="Download as Excel").click()
    download = info.value
    assert download.suggested_filename.startswith("learner-mentorship-database-")
    assert download.suggested_filename.endswith("-filtered.xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    workbook = load_workbook(path)
    rows = list(workbook["Opportunities"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["Sunnybrook Summer Studentship"]
    assert workbook["Opportunities"]["I2"].value.startswith("https://sunnybrook.example.org/summer")
    assert workbook["Opportunities"]["I2"].hyperlink.target == workbook["Opportunities"]["I2"].value
    about = {r[0]: r[1] for r in workbook["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Kind"] == "Summer opportunity" and about["Eligible learners"] == "MD year 2"


def test_an_opportunity_page_and_the_suggestion_form_are_accessible(page, learner, entries):
    login(page, learner.email)
    page.goto("/database/")
    page.get_by_role("link", name="CMA Mentorship").click()
    assert page.get_by_role("heading", name="CMA Mentorship", level=1).is_visible()
    assert_accessible(page, "database-opportunity")

    page.get_by_role("link", name="Suggest a correction").click()
    assert page.get_by_label("Name").input_value() == "CMA Mentorship"
    page.get_by_label("Cost").fill("$20 for non-members")
    page.get_by_role("button", name="Send suggestion").click()
    assert page.get_by_text("your correction was sent to the staff").is_visible()

    page.goto("/database/suggest/")
    page.get_by_role("button", name="Send suggestion").click()  # empty: errors shown
    assert page.get_by_text("This field is required.").first.is_visible()
    assert_accessible(page, "database-suggest")


def test_the_waiting_page_is_accessible_and_refreshes_itself(page, learner, entries):
    job = ExportJob.objects.create(
        requested_by=learner,
        total_rows=12000,
        rows_written=3000,
        status=ExportJob.Status.RUNNING,
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    login(page, learner.email)
    response = page.goto(job.get_absolute_url())
    assert response.headers["refresh"] == "5"
    assert page.get_by_role("heading", name="Preparing your file").is_visible()
    assert page.get_by_label(re.compile(r"3\s000 of 12\s000 rows written \(25%\)")).is_visible()
    assert_accessible(page, "database-export-waiting")
    ExportJob.objects.filter(pk=job.pk).update(rows_written=9000)
    with page.expect_navigation(timeout=8000):
        pass  # the browser reloads the page by itself
    assert page.get_by_label(re.compile(r"9\s000 of 12\s000 rows written \(75%\)")).is_visible()


def test_a_non_member_sees_how_to_become_one(page, outsider, entries):
    login(page, outsider.email)
    response = page.goto("/database/")
    assert response.status == 403
    assert page.get_by_role("heading", name="The database is for institutional members").is_visible()
    assert_accessible(page, "database-members-only")


def test_the_list_works_from_the_keyboard_with_a_visible_focus(page, learner, entries):
    login(page, learner.email)
    page.goto("/database/?sort=-deadline")
    assert_keyboard_reaches_everything(page)


def test_a_filtered_list_and_an_empty_one_are_accessible(page, learner, entries):
    login(page, learner.email)
    page.goto("/database/?kind=summer&format=in_person&sort=-deadline")
    assert page.locator(".db-list > li").count() == 2
    assert page.get_by_text("Filtered by:").is_visible()
    assert page.get_by_label("Sort by").input_value() == "-deadline"
    assert_accessible(page, "database-list-filtered")

    page.goto("/database/?q=nothing+matches+this&host=Gone")
    assert page.get_by_role("heading", name="0 opportunities").is_visible()
    assert page.get_by_text("No opportunities match these filters.").is_visible()
    assert page.get_by_label("Gone (0)").is_checked()
    assert_accessible(page, "database-list-empty")


def test_staff_see_an_unpublished_entry_and_its_history_accessibly(page, staff, entries):
    from opportunities.services.history import opportunity_apply

    hidden = make_opportunity(name="Draft entry", is_published=False)
    opportunity_apply(opportunity=hidden, values={"cost": "$5"}, source="admin", user=staff)
    login(page, staff.email)
    page.goto(hidden.get_absolute_url())
    assert page.get_by_text("Not published: only staff see this page.").is_visible()
    assert page.get_by_role("heading", name="History (staff only)").is_visible()
    assert_accessible(page, "database-opportunity-staff")


@pytest.fixture
def page_without_js(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_everything_works_without_javascript(page_without_js, learner, entries, tmp_path):
    page = page_without_js
    login(page, learner.email)
    page.goto("/database/")
    # Without JavaScript the panel opens by its summary, the button applies.
    page.get_by_text("Search and filters").click()
    page.get_by_label("Summer opportunity (2)").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/database/?*kind=summer*")
    assert page.locator(".db-list > li").count() == 2
    page.get_by_text("Search and filters").click()
    page.get_by_label("Sort by").select_option("deadline")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/database/?*sort=deadline*")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download as Excel").click()
    info.value.save_as(tmp_path / "export.xlsx")
    rows = list(
        load_workbook(tmp_path / "export.xlsx")["Opportunities"].iter_rows(min_row=2, values_only=True)
    )
    assert [r[0] for r in rows] == ["SickKids Summer Research", "Sunnybrook Summer Studentship"]

    page.get_by_role("link", name="SickKids Summer Research").click()
    page.get_by_role("link", name="Suggest a correction").click()
    page.get_by_label("Website").fill("not a web address")
    page.get_by_role("button", name="Send suggestion").click()
    assert page.get_by_text("Enter a valid URL.").is_visible()
    assert page.get_by_label("Website").input_value() == "not a web address"
    assert page.get_by_label("Name").input_value() == "SickKids Summer Research"

    job = ExportJob.objects.create(
        requested_by=learner,
        total_rows=12000,
        status=ExportJob.Status.PENDING,
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    page.goto(job.get_absolute_url())
    assert page.get_by_text("Waiting to start").is_visible()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, rows_written=6000)
    with page.expect_navigation(timeout=8000):
        pass  # the Refresh header reloads the page with scripts turned off too
    assert page.get_by_label(re.compile(r"6\s000 of 12\s000 rows written \(50%\)")).is_visible()


def test_staff_import_the_offices_workbook_through_the_preview(page, staff, learner_types, tmp_path):
    from opportunities.models import Opportunity

    from .test_import import OFFICE_NAMES, office_workbook

    path = office_workbook(tmp_path / "office.xlsx")
    login(page, staff.email)
    page.goto("/admin/opportunities/opportunity/import/")
    assert page.get_by_role("link", name="Download the template workbook").is_visible()
    page.get_by_label("Spreadsheet (.xlsx)").set_input_files(str(path))
    page.get_by_role("button", name="Preview the import").click()
    page.wait_for_load_state()
    assert page.get_by_text("13 to create").is_visible()
    assert page.get_by_text("Warning: the host is missing").is_visible()
    page.locator("#row-6 summary").click()  # the values read for a new entry
    assert page.locator("#row-6 dd", has_text="PGY1; PGY2").is_visible()
    assert_accessible(page, "admin-import-preview")
    page.get_by_label("Keep new entries as drafts").check()
    page.get_by_role("button", name="Confirm the import").click()
    page.wait_for_load_state()
    assert page.get_by_text("13 created as drafts").is_visible()
    assert set(Opportunity.objects.values_list("name", flat=True)) == OFFICE_NAMES
    assert not Opportunity.objects.filter(is_published=True).exists()


def test_the_database_fits_a_phone_and_a_desktop(page, learner, entries):
    login(page, learner.email)
    page.goto("/database/")
    assert_fits_phone_and_desktop(page, "database")
    page.goto("/database/?kind=summer&learners=MD1&learners=MD2&q=paediatrics")
    assert page.locator(".db-list > li").count() == 1
    assert_fits_phone_and_desktop(page, "database-filtered")
    page.goto("/database/?kind=summer&kind=nonsense&learners=MD9")
    assert page.get_by_text("Some filter values were not recognised").is_visible()
    assert_fits_phone_and_desktop(page, "database-unknown-values")


def test_an_opportunity_page_fits_and_leads_back_to_the_same_list(page, learner, entries):
    login(page, learner.email)
    page.goto("/database/?q=pediatrics&kind=summer")
    page.get_by_role("link", name="SickKids Summer Research").click()
    assert page.get_by_text("MD 1", exact=True).is_visible()
    assert_fits_phone_and_desktop(page, "database-opportunity")
    page.get_by_role("link", name="Back to the list").click()
    page.wait_for_url("**/database/?q=pediatrics&kind=summer#results")
    assert page.locator(".db-list > li").count() == 1


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_fewer_than_10_tabs_reach_the_first_result(page, learner, entries, viewport):
    login(page, learner.email)
    page.set_viewport_size(viewport)
    page.goto("/database/")
    # As a keyboard user would: Tab, and Enter on the skip link that leads to the results.
    first = page.locator(".db-list a").first
    for presses in range(1, 10):
        page.keyboard.press("Tab")
        if first.evaluate("el => el === document.activeElement"):
            break
        if page.evaluate("document.activeElement.textContent") == "Skip to the results":
            page.keyboard.press("Enter")
    else:
        pytest.fail("nine presses of Tab did not reach the first result")
    assert first.inner_text() == "CMA Mentorship" and presses < 10


def test_the_skip_link_leads_to_the_results(page, learner, entries):
    login(page, learner.email)
    page.set_viewport_size(PHONE)
    page.goto("/database/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "CMA Mentorship"
