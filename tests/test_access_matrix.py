"""The access matrix: every URL of the site, as every persona.

The URLconf is walked from the root; each route is a key of ``MATRIX``, which
says what each persona gets:

    anonymous, a learner (a mentee of Pathways), a mentor (of Pathways),
    a coordinator of the other program (Forward), a coordinator of this one
    (Pathways), and site staff (a superuser).

A route that is neither in ``MATRIX`` nor in ``NOT_IN_THE_MATRIX`` fails the
test: a new URL is given its row, and so its access rule, before it lands.
The rules themselves live in ``programs/access.py``.

Expected answers: a status code, ``LOGIN`` (302 to the site's login),
``ADMIN_LOGIN`` (302 to the admin's login, which a signed-in non-staff user is
then refused). For the admin's lists of program data, the other program's
coordinator also must not see this program's row in the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from applications.models import ApplicationExport, IdentityDimension, Question, Status
from conftest import make_user, mfa_enroll
from matching import services as matching_services
from matching.models import (
    ChoicePolicy,
    Exclusion,
    MatchingWeights,
    MentorRequest,
    MentorVerdict,
    RankEntry,
    RankList,
    Round,
    RoundStatus,
)
from mentoring.models import (
    DigestSent,
    Meeting,
    MeetingFormat,
    MentoringPolicy,
    ProgramYear,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireKind,
    QuestionnaireResponse,
    ReminderSent,
)
from notifications.models import OutgoingEmail
from opportunities.models import ExportJob, Suggestion
from opportunities.tests.factories import make_opportunity
from programs.models import LearnerType, Resource, SiteContent, Specialty
from programs.services import coordinator_add
from tests.factories import (
    ProgramFactory,
    TierFactory,
    make_mentee_application,
    make_mentor_application,
)

pytestmark = pytest.mark.django_db

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
PERSONAS = ["anonymous", "learner", "mentor", "other_coordinator", "coordinator", "staff"]

# Routes the matrix leaves out, and why. Everything else must have a row.
NOT_IN_THE_MATRIX_PREFIXES = {
    # allauth's sign-in, sign-up, password, email, two-factor and SSO pages
    # (and our SSO front for them): authentication, not program data; covered
    # by accounts/tests/ and allauth's own tests.
    "accounts/",
}
NOT_IN_THE_MATRIX = {
    # Django admin's own authentication and plumbing pages.
    "admin/login/",
    "admin/logout/",
    "admin/password_change/",
    "admin/password_change/done/",
    "admin/autocomplete/",
    "admin/jsi18n/",
    "admin/r/<path:content_type_id>/<path:object_id>/",
    "admin/(?P<url>.*)$",  # the admin's catch-all: a 404 for staff, its login for the others
}
# Admin pages of other packages' models (groups, sites, allauth's email
# addresses, authenticators and social accounts): no program data, and only
# site staff hold their permissions (programs/reference.py COORDINATOR_PERMISSIONS).
OTHER_PACKAGES_ADMIN = ("admin/auth/", "admin/sites/", "admin/account/", "admin/mfa/", "admin/socialaccount/")


@dataclass
class Row:
    """What each persona gets from one route. ``kwargs`` names the objects of
    ``world`` that fill the route's parameters."""

    expect: tuple
    kwargs: dict = field(default_factory=dict)
    method: str = "get"
    data: dict = field(default_factory=dict)
    hides: str = ""  # a key of ``world`` whose change URL the other coordinator must not see

    def __post_init__(self):
        assert len(self.expect) == len(PERSONAS), self.expect


def everyone(status=200):
    return Row((status,) * len(PERSONAS))


def signed_in(status=200, **kw):
    return Row((LOGIN, status, status, status, status, status), **kw)


ADMIN = (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN)  # anonymous, learner, mentor


def admin(other, coordinator, staff, **kw):
    return Row((*ADMIN, other, coordinator, staff), **kw)


def program_data(model: str, key: str, *, other_object=302, add=200, change=200, delete=200, extra=None):
    """The six admin pages of a model whose rows belong to a program: the
    coordinators see the list (each only theirs); another program's row is
    out of reach (the admin's "does not exist" redirect, or a 404)."""
    base = f"admin/{model}/"
    obj = {"object_id": key}
    rows = {
        base: admin(200, 200, 200, hides=key),
        f"{base}add/": admin(add, add, 200),
        f"{base}<path:object_id>/": admin(302, 302, 302, kwargs=obj),
        f"{base}<path:object_id>/change/": admin(other_object, change, 200, kwargs=obj),
        f"{base}<path:object_id>/history/": admin(other_object, 200, 200, kwargs=obj),
        # Without the permission to delete at all, a 403 comes first.
        f"{base}<path:object_id>/delete/": admin(
            other_object if delete == 200 else 403, delete, 200, kwargs=obj
        ),
    }
    rows.update(extra or {})
    return rows


def reference_list(model: str, key: str):
    """A list the whole site shares, which coordinators read and site staff edit."""
    obj = {"object_id": key}
    return staff_only(model, key) | {
        f"admin/{model}/": admin(200, 200, 200),
        f"admin/{model}/<path:object_id>/change/": admin(200, 200, 200, kwargs=obj),
        f"admin/{model}/<path:object_id>/history/": admin(200, 200, 200, kwargs=obj),
    }


def staff_only(model: str, key: str, *, add=200, delete=200):
    """The six admin pages of a model only site staff manage."""
    base = f"admin/{model}/"
    obj = {"object_id": key}
    return {
        base: admin(403, 403, 200),
        f"{base}add/": admin(403, 403, add),
        f"{base}<path:object_id>/": admin(302, 302, 302, kwargs=obj),
        f"{base}<path:object_id>/change/": admin(403, 403, 200, kwargs=obj),
        f"{base}<path:object_id>/history/": admin(403, 403, 200, kwargs=obj),
        f"{base}<path:object_id>/delete/": admin(403, 403, delete, kwargs=obj),
    }


def read_only(model: str, key: str, *, other_object=302):
    """A program's record that no one edits here (exports, matches, emails):
    its coordinators may read it; nobody adds, changes or deletes it."""
    return program_data(model, key, other_object=other_object, add=403, delete=403) | {
        f"admin/{model}/add/": admin(403, 403, 403),
        f"admin/{model}/<path:object_id>/delete/": admin(403, 403, 403, kwargs={"object_id": key}),
    }


ROUND = {"round_id": "round"}

MATRIX: dict[str, Row] = {
    # --- Public pages
    "": everyone(),
    "favicon.ico": Row((301,) * 6),
    "programs/<slug:slug>/": Row((200,) * 6, kwargs={"slug": "slug"}),
    # --- Signed-in people: applying, their own applications and mentorships
    "programs/<slug:slug>/apply/mentee/": signed_in(kwargs={"slug": "slug"}),
    "programs/<slug:slug>/apply/mentor/": signed_in(kwargs={"slug": "slug"}),
    "account/profile/": signed_in(),
    "home/": signed_in(),
    "my/applications/": signed_in(),
    "my/mentorships/": signed_in(),
    # Only the applicant reaches an application's pages: for anyone else,
    # coordinators and site staff included, it does not exist.
    "my/applications/<int:pk>/": Row((LOGIN, 200, 404, 404, 404, 404), kwargs={"pk": "application"}),
    # (An accepted application is no longer edited, even by its applicant.)
    "my/applications/<int:pk>/edit/": Row((LOGIN, 403, 404, 404, 404, 404), kwargs={"pk": "application"}),
    "my/applications/<int:pk>/identity/": Row((LOGIN, 404, 404, 404, 404, 404), kwargs={"pk": "application"}),
    "my/applications/<int:pk>/withdraw/": Row((LOGIN, 200, 404, 404, 404, 404), kwargs={"pk": "application"}),
    # --- The Learner Mentorship Database: members (people with admin access count)
    "database/": signed_in(),
    "database/<int:pk>/": signed_in(kwargs={"pk": "opportunity"}),
    "database/<int:pk>/suggest/": signed_in(kwargs={"pk": "opportunity"}),
    "database/suggest/": signed_in(),
    "database/export.xlsx": signed_in(),
    # An export is for whoever asked for it (here the learner) and site staff.
    "database/exports/<uuid:job_id>/": Row((LOGIN, 200, 403, 403, 403, 200), kwargs={"job_id": "job"}),
    "database/exports/<uuid:job_id>/download/": Row(
        (LOGIN, 404, 403, 403, 403, 404), kwargs={"job_id": "job"}
    ),
    # --- The admin: its index, and an app's page
    "admin/": admin(200, 200, 200),
    "admin/^(?P<app_label>auth|sites|account|mfa|socialaccount|accounts|notifications|programs|applications|"
    "opportunities|matching|mentoring|reports)/$": admin(200, 200, 200, kwargs={"app_label": "applications"}),
    # --- Programs: coordinators edit their own program; who coordinates it is site staff's
    **program_data("programs/program", "program", add=403, delete=403),
    "admin/programs/program/add/": admin(403, 403, 200),
    "admin/programs/program/<int:program_id>/coordinators/": admin(
        403, 403, 200, kwargs={"program_id": "program"}
    ),
    "admin/programs/program/<int:program_id>/coordinators/<int:user_id>/remove/": admin(
        403, 403, 404, kwargs={"program_id": "program", "user_id": "not_a_coordinator"}, method="post"
    ),
    # --- Applications and a program's settings
    **program_data("applications/application", "application", other_object=404, add=403, delete=403),
    "admin/applications/application/add/": admin(403, 403, 403),
    "admin/applications/application/<path:object_id>/delete/": admin(
        404, 403, 200, kwargs={"object_id": "application"}
    ),
    **program_data("applications/question", "question", other_object=404),
    **program_data("applications/identitydimension", "dimension", other_object=404),
    **read_only("applications/applicationexport", "export"),
    # --- Matching: rounds and their board, weights, exclusions, matches
    **program_data("matching/round", "round"),
    "admin/matching/round/<int:round_id>/board/": admin(403, 200, 200, kwargs=ROUND),
    "admin/matching/round/<int:round_id>/board/suggestions/<int:mentee_id>/": admin(
        403, 200, 200, kwargs={**ROUND, "mentee_id": "waiting"}
    ),
    "admin/matching/round/<int:round_id>/board/end/<int:match_id>/": admin(
        403, 200, 200, kwargs={**ROUND, "match_id": "match"}
    ),
    "admin/matching/round/<int:round_id>/export.xlsx": admin(403, 200, 200, kwargs=ROUND),
    # An unknown action changes nothing: back to the board, for those who may use it.
    "admin/matching/round/<int:round_id>/board/action/": admin(
        403, 302, 302, kwargs=ROUND, method="post", data={"action": "none-such"}
    ),
    **program_data("matching/matchingweights", "weights"),
    **program_data("matching/exclusion", "exclusion"),
    **read_only("matching/match", "match"),
    # --- Program reports (issue 15): the list of one's programs, a program's
    # report and its workbook, for its coordinators and site staff only.
    # (That the list shows only one's own programs: reports/tests/test_views.py.)
    "admin/reports/programreport/": admin(200, 200, 200),
    "admin/reports/programreport/<int:program_id>/": admin(403, 200, 200, kwargs={"program_id": "program"}),
    "admin/reports/programreport/<int:program_id>/report.xlsx": admin(
        403, 200, 200, kwargs={"program_id": "program"}
    ),
    # --- Outgoing email: a program's emails to its coordinators; site staff may clean up
    **read_only("notifications/outgoingemail", "email"),
    "admin/notifications/outgoingemail/<path:object_id>/delete/": admin(
        403, 403, 200, kwargs={"object_id": "email"}
    ),
    # --- Site staff only: people, reference lists, the landing page, the database
    **staff_only("accounts/user", "user"),
    "admin/accounts/user/<id>/password/": admin(403, 403, 200, kwargs={"id": "user"}),
    **reference_list("programs/learnertype", "learner_type"),
    **staff_only("programs/specialty", "specialty"),
    **staff_only("programs/resource", "resource"),
    **staff_only("programs/sitecontent", "site_content", add=403, delete=403),
    **staff_only("opportunities/opportunity", "opportunity"),
    "admin/opportunities/opportunity/import/": admin(403, 403, 200),
    "admin/opportunities/opportunity/import/template.xlsx": admin(403, 403, 200),
    **staff_only("opportunities/suggestion", "suggestion", add=403),
    # Neither decision posted: nothing happens, back to the suggestion.
    "admin/opportunities/suggestion/<int:pk>/review/": admin(
        403, 403, 302, kwargs={"pk": "suggestion"}, method="post"
    ),
    **staff_only("opportunities/exportjob", "job", add=403),
    # --- Participant choice (issue 13): mentor profiles and rank lists. The
    # learner's mentee is matched (and excluded from the mentor), so no
    # profile is theirs to see; the program's coordinators and site staff
    # may read a profile; a profile's form and a rank list are the owner's only.
    "mentors/": signed_in(),
    "mentors/<int:pk>/": Row((LOGIN, 404, 200, 404, 200, 200), kwargs={"pk": "mentor_profile"}),
    "my/mentor-profile/<int:application_id>/": Row(
        (LOGIN, 404, 200, 404, 404, 404), kwargs={"application_id": "mentor_application"}
    ),
    "my/rankings/<int:round_id>/": Row(
        (LOGIN, 404, 200, 404, 404, 404), kwargs={"round_id": "ranking_round"}
    ),
    # --- Participant choice: requests after the round. The request in the data
    # is from another (waiting) mentee to the mentor persona: only that mentor
    # opens it; the learner persona is matched, so not waiting (told why on
    # their requests page); coordinators read requests in the admin.
    "my/requests/": signed_in(),
    "my/requests/for-you/": signed_in(),
    "my/requests/new/<int:mentor_id>/": Row(
        (LOGIN, 302, 404, 404, 404, 404), kwargs={"mentor_id": "mentor_application"}
    ),
    "my/requests/<int:pk>/withdraw/": Row(
        (LOGIN, 404, 404, 404, 404, 404), kwargs={"pk": "mentor_request"}, method="post"
    ),
    "my/requests/for-you/<int:pk>/": Row((LOGIN, 404, 200, 404, 404, 404), kwargs={"pk": "mentor_request"}),
    **read_only("matching/mentorrequest", "mentor_request"),
    # --- Participant choice, coordinator side (issue 13): a program's choice settings.
    # (The board's ranks, summary and ?compare=1 preview are the board's rows above.)
    **program_data("matching/choicepolicy", "choice_policy"),
    # Rank lists and verdicts: read by the program's coordinators and site staff, written by no one here.
    **read_only("matching/ranklist", "rank_list"),
    **read_only("matching/mentorverdict", "verdict"),
    # --- The mentorship year (issue 14): a match's home opens for the pair
    # (learner = mentee, mentor = mentor) and the program's coordinators (read
    # only); writing is the pair's; a meeting is changed by whoever logged it
    # (the learner). Everyone else: 404, the match does not exist for them.
    "my/mentorships/<int:pk>/": Row((LOGIN, 200, 200, 404, 200, 200), kwargs={"pk": "match"}),
    "my/mentorships/<int:pk>/agreement/confirm/": Row(
        (LOGIN, 302, 302, 404, 404, 404), kwargs={"pk": "match"}, method="post"
    ),
    "my/mentorships/<int:pk>/meetings/new/": Row((LOGIN, 200, 200, 404, 404, 404), kwargs={"pk": "match"}),
    "my/mentorships/<int:pk>/meetings/<int:meeting_id>/edit/": Row(
        (LOGIN, 200, 404, 404, 404, 404), kwargs={"pk": "match", "meeting_id": "meeting"}
    ),
    "my/mentorships/<int:pk>/meetings/<int:meeting_id>/delete/": Row(
        (LOGIN, 200, 404, 404, 404, 404), kwargs={"pk": "match", "meeting_id": "meeting"}
    ),
    "my/mentorships/<int:pk>/ask/": Row((LOGIN, 200, 200, 404, 404, 404), kwargs={"pk": "match"}),
    # --- The mentorship year's schedule (branch year-schedule): check-ins and
    # evaluations, reminders, the answers and the match-health list.
    # A mentee's questionnaire is for the mentee only: to everyone else,
    # their mentor and the coordinators included, it does not exist.
    "mentoring/<int:match_id>/questionnaires/<int:questionnaire_id>/": Row(
        (LOGIN, 200, 404, 404, 404, 404), kwargs={"match_id": "match", "questionnaire_id": "questionnaire"}
    ),
    "mentoring/reminders/": signed_in(),
    **program_data("mentoring/mentoringpolicy", "policy"),
    **program_data("mentoring/programyear", "program_year"),
    **program_data("mentoring/questionnaire", "questionnaire"),
    **read_only("mentoring/questionnaireresponse", "response"),
    **read_only("mentoring/remindersent", "reminder"),
    **read_only("mentoring/digestsent", "digest"),
    # A list only (each coordinator sees their programs' rows); a match's own
    # page is the pair's home. Another program's match does not exist (302).
    "admin/mentoring/matchhealth/": admin(200, 200, 200),
    "admin/mentoring/matchhealth/export.xlsx": admin(200, 200, 200),
    "admin/mentoring/matchhealth/add/": admin(403, 403, 403),
    "admin/mentoring/matchhealth/<path:object_id>/": admin(302, 302, 302, kwargs={"object_id": "match"}),
    "admin/mentoring/matchhealth/<path:object_id>/change/": admin(
        302, 403, 403, kwargs={"object_id": "match"}
    ),
    "admin/mentoring/matchhealth/<path:object_id>/history/": admin(
        302, 403, 403, kwargs={"object_id": "match"}
    ),
    "admin/mentoring/matchhealth/<path:object_id>/delete/": admin(
        403, 403, 403, kwargs={"object_id": "match"}
    ),
}


# --- The data: two programs, each with its coordinator -----------------------


@pytest.fixture
def world(settings):
    settings.INSTITUTION_EMAIL_DOMAINS = []
    pathways = ProgramFactory(
        slug="pathways", name="Pathways", is_published=True, mentee_types=["MD2"], mentor_types=["FAC"]
    )
    TierFactory(program=pathways, number=1)
    forward = ProgramFactory(slug="forward", name="Forward", is_published=True, collects_identity=True)
    people = {
        "learner": make_user("lena@learners.example.edu", name="Lena Learner", learner_stage="MD", year=2),
        "mentor": make_user("milo@faculty.example.edu", name="Milo Mentor", learner_stage="CLIN"),
        "other_coordinator": make_user("fran@office.example.edu", name="Fran Forward"),
        "coordinator": make_user("pat@office.example.edu", name="Pat Pathways"),
        "staff": make_user("sal@office.example.edu", name="Sal Staff", is_staff=True, is_superuser=True),
    }
    coordinator_add(program=forward, user=people["other_coordinator"], notify=False)
    coordinator_add(program=pathways, user=people["coordinator"], notify=False)
    for key in ("other_coordinator", "coordinator", "staff"):
        mfa_enroll(people[key])
    mentee = make_mentee_application(pathways, people["learner"], status=Status.ACCEPTED)
    mentor = make_mentor_application(
        pathways, people["mentor"], status=Status.ACCEPTED, accepted_at=timezone.now()
    )
    round_ = Round.objects.create(program=pathways, name="Spring pairing", status=RoundStatus.PUBLISHED)
    match = matching_services.match_publish_one(round_=round_, mentee=mentee, mentor=mentor)
    export = ApplicationExport.objects.create(exported_by=people["coordinator"], application_count=1)
    export.programs.set([pathways])
    opportunity = make_opportunity(name="Bedside teaching circle", is_published=True)
    SiteContent.objects.create(
        intro="Mentorship at the faculty.",
        contact_text="Write to",
        contact_email="office@example.edu",
        database_intro="Opportunities.",
        database_scope="Listed by the office.",
        database_suggest_text="Suggest one.",
        equity_intro="Equity.",
        equity_commitment="Commitment.",
    )
    objects = {
        "program": pathways.pk,
        "slug": pathways.slug,
        "application": mentee.pk,
        "round": round_.pk,
        "match": match.pk,
        "waiting": make_mentee_application(pathways, status=Status.ACCEPTED).pk,
        "question": Question.objects.create(program=pathways, text="Why mentorship?").pk,
        "dimension": IdentityDimension.objects.create(program=pathways, label="First-generation").pk,
        "export": export.pk,
        "weights": MatchingWeights.objects.create(program=pathways).pk,
        "exclusion": Exclusion.objects.create(
            program=pathways, mentee=mentee, mentor=mentor, reason="Family"
        ).pk,
        "email": OutgoingEmail.objects.filter(program=pathways).earliest("pk").pk,
        "opportunity": opportunity.pk,
        "suggestion": Suggestion.objects.create(
            opportunity=opportunity, suggested_by=people["learner"], message="New date", proposed={}
        ).pk,
        "job": ExportJob.objects.create(
            requested_by=people["learner"], expires_at=timezone.now() + timedelta(days=1)
        ).pk,
        "user": people["learner"].pk,
        "learner_type": LearnerType.objects.get(code="MD2").pk,
        "specialty": Specialty.objects.create(name="Geriatrics").pk,
        "resource": Resource.objects.create(title="Guide", url="https://example.edu/guide").pk,
        "site_content": 1,
        "applications": "applications",
        "not_a_coordinator": people["mentor"].pk,
        # Participant choice (issue 13)
        "mentor_profile": matching_services.mentor_profile_create_from(mentor).pk,
        "mentor_application": mentor.pk,
        "ranking_round": Round.objects.create(
            program=pathways,
            name="Ranking round",
            ranking_opens_at=timezone.now() - timedelta(days=1),
            ranking_closes_at=timezone.now() + timedelta(days=1),
        ).pk,
        "choice_policy": ChoicePolicy.objects.create(program=pathways).pk,
        "rank_list": RankEntry.objects.create(
            rank_list=RankList.objects.create(round=round_, owner=mentee), candidate=mentor, position=1
        ).rank_list_id,
        "verdict": MentorVerdict.objects.create(
            round=round_, mentor=mentor, mentee=mentee, verdict="happy"
        ).pk,
        "meeting": Meeting.objects.create(
            match=match,
            met_on=timezone.localdate(),
            minutes=60,
            format=MeetingFormat.VIRTUAL,
            logged_by=people["learner"],
        ).pk,
    }
    # The mentorship year's schedule (branch year-schedule): a check-in for
    # mentees open now, and an answered evaluation.
    today = timezone.localdate()
    program_year = ProgramYear.objects.create(
        program=pathways,
        name="This year",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=300),
    )
    check_in = Questionnaire.objects.create(
        year=program_year,
        kind=QuestionnaireKind.CHECK_IN,
        role="mentee",
        title="Check-in",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=10),
    )
    QuestionnaireItem.objects.create(questionnaire=check_in, text="We meet often enough.")
    evaluation = Questionnaire.objects.create(
        year=program_year,
        kind=QuestionnaireKind.MIDPOINT,
        role="mentee",
        title="Midpoint",
        opens_on=today - timedelta(days=5),
        closes_on=today + timedelta(days=10),
    )
    objects |= {
        "policy": MentoringPolicy.objects.create(program=pathways).pk,
        "program_year": program_year.pk,
        "questionnaire": check_in.pk,
        "reminder": ReminderSent.objects.create(
            match=match, recipient=people["learner"], kind="intro", period="intro"
        ).pk,
        "digest": DigestSent.objects.create(program=pathways, week=today, matches=1).pk,
        "response": QuestionnaireResponse.objects.create(
            questionnaire=evaluation, match=match, respondent=people["learner"]
        ).pk,
    }
    # Participant choice: a waiting mentee's request to the mentor persona.
    objects["mentor_application"] = mentor.pk
    objects["mentor_request"] = MentorRequest.objects.create(
        round=round_,
        mentee_id=objects["waiting"],
        mentor=mentor,
        expires_at=timezone.now() + timedelta(days=7),
    ).pk
    return {"people": people, "objects": objects}


# --- The walk ------------------------------------------------------------------


def site_routes() -> dict[str, str]:
    """Every route of the root URLconf, as its full pattern text, with its
    namespaced name (to reverse it)."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, route, inner)
            elif isinstance(entry, URLPattern):
                found[route] = f"{namespace}{entry.name}" if entry.name else ""

    walk(get_resolver().url_patterns, "", "")
    return found


def routes_to_check() -> set[str]:
    return {
        route
        for route in site_routes()
        if route not in NOT_IN_THE_MATRIX
        and not route.startswith(tuple(NOT_IN_THE_MATRIX_PREFIXES))
        and not route.startswith(OTHER_PACKAGES_ADMIN)
    }


def test_every_url_of_the_site_is_in_the_matrix():
    missing = routes_to_check() - set(MATRIX)
    assert not missing, f"routes without a row in the access matrix: {sorted(missing)}"
    stale = set(MATRIX) - routes_to_check()
    assert not stale, f"rows of the access matrix for routes that no longer exist: {sorted(stale)}"


def _url(route: str, name: str, values: dict) -> str:
    if name:
        return reverse(name, kwargs=values)
    # The admin's unnamed "<id>/" (a redirect to the change page).
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


def _answer(response) -> int | str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if location.startswith("/accounts/login/"):
            return LOGIN
    return response.status_code


def test_each_persona_gets_what_the_matrix_says(client, world, django_capture_on_commit_callbacks):
    """One test for the whole matrix (the data is built once): every
    difference is listed, not just the first."""
    names = site_routes()
    objects = world["objects"]
    differences = []
    for persona in PERSONAS:
        client.logout()
        if persona != "anonymous":
            client.force_login(world["people"][persona])
        for route, row in MATRIX.items():
            url = _url(route, names[route], {name: objects[key] for name, key in row.kwargs.items()})
            with django_capture_on_commit_callbacks(execute=False):
                response = getattr(client, row.method)(url, row.data)
            got, expected = _answer(response), row.expect[PERSONAS.index(persona)]
            if got != expected:
                differences.append(
                    f"{persona:18} {row.method.upper():4} {url}: got {got}, expected {expected}"
                )
            elif row.hides and persona in ("other_coordinator", "coordinator"):
                # The row's link: in this program's coordinator's list (so
                # the check can see it), never in the other program's.
                link = reverse(names[route].replace("changelist", "change"), args=[objects[row.hides]])
                if (link in response.content.decode()) != (persona == "coordinator"):
                    differences.append(f"{persona:18} {url}: the link to {link} is wrongly shown or hidden")
    assert not differences, "\n".join(differences)
