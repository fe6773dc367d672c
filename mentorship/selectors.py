"""Reads for pages that put several apps together: the signed-in home page.

The home page shows a person's applications, their mentorships and the next
steps: what to do now (complete the profile, verify an email, apply) and where
each application stands. Everything is read here, in a fixed number of queries
however many applications, mentorships and programs there are."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from accounts.services import user_has_admin_access, user_has_verified_email, user_is_member
from applications.eligibility import (
    may_apply_as,
    mentee_code_for_profile,
    mentor_learner_code,
    mentor_role_for_profile,
)
from applications.models import Application, Role, Status
from applications.selectors import applications_for_applicant
from matching.selectors import Mentorship, mentorship_rows_for
from programs.models import MenteeIntake
from programs.selectors import published_programs_with_eligibility


@dataclass(frozen=True)
class Step:
    """One next step: a sentence and, when there is somewhere to go, a link."""

    text: str
    link_text: str = ""
    url: str = ""


@dataclass
class Home:
    applications: list[Application]
    mentorships: list[Mentorship]
    steps: list[Step] = field(default_factory=list)
    has_admin_access: bool = False


_WHERE_IT_STANDS = {
    Status.SUBMITTED: "was submitted: a coordinator will review it",
    Status.UNDER_REVIEW: "is under review",
    Status.ACCEPTED: "was accepted: you will be told when you are matched",
    Status.WAITLISTED: "is on the waitlist: the coordinator will be in touch when a place opens",
}


def _profile_steps(user) -> list[Step]:
    steps = []
    if not user.name or not user.learner_stage:
        steps.append(
            Step(
                "Complete your profile, so that your applications start with what you are.",
                "Complete your profile",
                reverse("accounts:profile"),
            )
        )
    if not user_has_verified_email(user):
        steps.append(
            Step(
                "Verify your email address: you need it to apply.",
                "Verify your email",
                reverse("account_email"),
            )
        )
    elif not user_is_member(user):
        steps.append(
            Step(
                "Your account is not an institutional member yet: verify an institutional email "
                "address to browse the database and apply as a mentee.",
                "Add an institutional email",
                reverse("account_email"),
            )
        )
    return steps


def _application_steps(applications: list[Application], mentorships: list[Mentorship]) -> list[Step]:
    partners = {}
    for row in mentorships:
        mine = row.match.mentee_id if row.role == "Mentee" else row.match.mentor_id
        partners.setdefault(mine, []).append(row.other)
    steps = []
    for application in applications:
        name = f"{application.program.name} {application.get_role_display().lower()} application"
        if application.tier_id:
            name += f" ({application.tier.name})"
        if application.status == Status.MATCHED and application.pk in partners:
            people = " and ".join(str(person) for person in partners[application.pk])
            steps.append(
                Step(
                    f"You are matched with {people} ({name}).",
                    "See My mentorships",
                    reverse("mentoring:mine"),
                )
            )
        elif application.status in _WHERE_IT_STANDS:
            steps.append(
                Step(
                    f"Your {name} {_WHERE_IT_STANDS[application.status]}.",
                    "See your application",
                    reverse("applications:detail", args=[application.pk]),
                )
            )
    return steps


def _apply_steps(user, programs, applications: list[Application]) -> list[Step]:
    """An invitation to each open program and role the person has no live
    application for and, as far as the profile tells, may apply to."""
    live = {(a.program_id, a.role) for a in applications if a.is_live}
    mentee_code = mentee_code_for_profile(user.learner_stage, user.year)
    mentor_role, year = mentor_role_for_profile(user.learner_stage, user.year)
    mentor_code = mentor_learner_code(mentor_role, year) if mentor_role else None
    steps = []
    for program in programs:
        for role, is_open, code in (
            (Role.MENTEE, program.accepts_mentees, mentee_code),
            (Role.MENTOR, program.accepts_mentors, mentor_code),
        ):
            if not is_open or (program.pk, role) in live:
                continue
            if not user.learner_stage or user.learner_stage == "OTHER":
                # Nothing to go by: one invitation per program, to its page.
                if role == Role.MENTEE:
                    steps.append(
                        Step(
                            f"Read about {program.name} and apply.",
                            f"About {program.name}",
                            program.get_absolute_url(),
                        )
                    )
                continue
            if code is None or not may_apply_as(program, role, code):
                continue
            text = f"{program.name} is open to {role}s like you."
            if role == Role.MENTEE and program.mentee_intake == MenteeIntake.LIMITED:
                text += " Mentors are limited, so you may be placed on a waitlist."
            url = reverse(f"applications:apply_{role}", args=[program.slug])
            steps.append(Step(text, f"Apply to {program.name} as a {role}", url))
    return steps


def home_for(user) -> Home:
    """What the signed-in home page shows ``user``."""
    applications = list(applications_for_applicant(user))
    mentorships = mentorship_rows_for(user)
    programs = list(published_programs_with_eligibility())
    return Home(
        applications=applications,
        mentorships=mentorships,
        steps=_profile_steps(user)
        + _application_steps(applications, mentorships)
        + _apply_steps(user, programs, applications),
        has_admin_access=user_has_admin_access(user),
    )
