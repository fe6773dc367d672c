"""The site's first content: the OLA page's texts and resources, and the DMP
and iLEAD programs with their tiers, audiences, outcomes and eligibility.

``manage.py setup_site`` creates it (production runs it at every start), and
``seed_demo`` builds on it. Create-only: each piece is created once and then
belongs to staff. A ``SetupRecord`` remembers it, so running again neither
overwrites an edit nor brings back what staff deleted.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from .models import (
    LearnerType,
    MenteeIntake,
    MentorRecruitment,
    Outcome,
    Program,
    Resource,
    SetupRecord,
    SiteContent,
    Tier,
)

CONTACT = "medicine.dmp@utoronto.ca"

SITE_TEXT = dict(
    title="Mentorship Programs",
    intro=(
        "Mentorship is a valuable part of all learners' personal and professional development. "
        "The Office of Learner Affairs (OLA) can be a resource to help connect you with peer or "
        "clinical mentors to support your goals and help build your community. This support is "
        "available to all learners supported by OLA."
    ),
    contact_text=(
        "For questions on finding a mentor, program development, or about any of the "
        "opportunities on this webpage, please email"
    ),
    contact_email=CONTACT,
    database_title="OLA Learner Mentorship Database",
    database_intro=(
        "The OLA Learner Mentorship Database aims to strengthen awareness of existing learner "
        "mentorship opportunities. It includes extracurricular formal programs, informal "
        "connection sources (e.g., lists, event series) and summer opportunities."
    ),
    database_scope=(
        "The opportunities listed here are based on an environmental scan of Temerty Medicine "
        "educational programs, departments and divisions, along with TAHSN hospital sites and "
        "Canadian professional associations of the U of T clinical specialties."
    ),
    database_note=(
        "Please note there are many curriculum-embedded opportunities for mentorship, along with "
        "opportunities available in provincial, American, and international professional "
        "associations. Due to volume these groups were not included in the environmental scan, "
        "but learners can connect with the Lead Coordinator, Mentorship & Special Projects to "
        "learn more about mentoring opportunities in particular specialties."
    ),
    database_suggest_text=(
        "For inquiries, updates or additions to the OLA Learner Mentorship Database, suggest an "
        f"update from any entry's page once signed in, or email {CONTACT}."
    ),
    database_last_updated=datetime.date(2025, 3, 1),
    equity_title="Equity mentorship",
    equity_intro=(
        "We support the administration of two equity mentorship programs. The Office of "
        "Inclusion & Diversity serves as an advisory support to these programs, along with being "
        "available as a resource to all mentee and mentor participants."
    ),
    equity_commitment=(
        "Equity mentorship is a key component of Temerty Medicine's commitment to Excellence "
        "Through Equity. For considerations on the purpose and approaches to equity mentorship, "
        "please review this presentation from the Association of American Medical Colleges, along with "
        "additional resources below."
    ),
    equity_presentation_url="https://www.aamc.org/",
    # The presentation's own address is not known (the OLA page's text names it
    # without one), so the link says where it really goes: the AAMC's website.
    # Staff put the presentation's address here, in the admin, once they have it.
    equity_presentation_text="Association of American Medical Colleges (aamc.org)",
    tiles_intro=(
        "Each of the tiles below is linked to more information about each program, including "
        "application links."
    ),
    resources_title="Resources",
)

RESOURCES = [
    (
        "Office of Inclusion & Diversity",
        "https://temertymedicine.utoronto.ca/office-inclusion-and-diversity",
        "Advisory support to the equity mentorship programs and a resource to every mentee and mentor.",
    ),
    (
        "Office of Learner Affairs",
        "https://temertymedicine.utoronto.ca/office-learner-affairs",
        "Personal, career and learning support for Temerty Medicine learners.",
    ),
    (
        "Association of American Medical Colleges (AAMC)",
        "https://www.aamc.org/",
        "Its website, with resources on the purpose and approaches to equity mentorship.",
    ),
]

# Each program: its fields, who may apply (learner type codes), outcomes and tiers.
PROGRAMS = [
    dict(
        fields=dict(
            slug="dmp",
            name="DMP",
            full_name="Diversity Mentorship Program",
            summary=(
                "The DMP is a professional mentorship program which aims to connect Temerty "
                "Medicine medical (MD, PGY1-2) or clinical rehab (PT, OT, SLP) learners from "
                "minoritized groups to clinical mentors who are able to support in their "
                "personal and professional growth."
            ),
            audience=(
                "Temerty Medicine medical learners (MD students, PGY1 and PGY2 residents) and "
                "clinical rehab learners (PT, OT, SLP) from minoritized groups. Mentors are "
                "clinicians and faculty."
            ),
            outcomes_intro="Minoritized learners may join for either or both outcomes below:",
            mentee_intake=MenteeIntake.LIMITED,
            mentor_recruitment=MentorRecruitment.OPEN,
            mentor_recruitment_message=(
                "Recruitment for clinician mentors is ongoing! Sign up using the form below."
            ),
            collects_identity=True,
            contact_email=CONTACT,
            is_published=True,
            order=1,
        ),
        mentees=["MD1", "MD2", "MD3", "MD4", "PGY1", "PGY2", "PT", "OT", "SLP"],
        mentors=["FAC"],
        outcomes=[
            "Strengthened access to networks and opportunities for career planning",
            # Shown on the program page and as a choice on the application form,
            # which speaks to "you": worded for both.
            "Increased sense of belonging and support in relation to social identity",
        ],
        tiers=[],
    ),
    dict(
        fields=dict(
            slug="ilead",
            name="iLEAD",
            full_name="Inspiring Leadership in Equity, Accessibility and Diversity",
            summary=(
                "iLEAD stands for Inspiring Leadership in Equity, Accessibility and Diversity. "
                "This is a two-tier longitudinal peer mentorship opportunity."
            ),
            audience=(
                "Incoming first-year medical students in the 2029 (2T9) class, upper-year MD "
                "students and resident physicians. An upper-year MD student may be a mentee "
                "in one tier and a mentor in the other."
            ),
            tiers_intro="A two-tier longitudinal peer mentorship opportunity that connects:",
            mentee_intake=MenteeIntake.LIMITED,
            mentor_recruitment=MentorRecruitment.OPEN,
            mentor_recruitment_message=(
                "Recruitment for MD and resident mentors is ongoing! Sign up using the form below."
            ),
            collects_identity=True,
            contact_email=CONTACT,
            is_published=True,
            order=2,
        ),
        mentees=["MD1", "MD2", "MD3", "MD4"],
        mentors=["MD2", "MD3", "MD4", "PGY1", "PGY2", "RES"],
        outcomes=[],
        tiers=[
            dict(
                number=1,
                name="Tier 1",
                description="incoming first year medical students in the 2029 (2T9) class "
                "with upper year MD students",
                mentees=["MD1"],
                mentors=["MD2", "MD3", "MD4"],
            ),
            dict(
                number=2,
                name="Tier 2",
                description="current upper year medical students with resident physicians",
                mentees=["MD2", "MD3", "MD4"],
                mentors=["PGY1", "PGY2", "RES"],
            ),
        ],
    ),
]


@dataclass
class SetupReport:
    """What a run of setup_site created and what it left alone (and why)."""

    created: list[str] = field(default_factory=list)
    left_alone: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def setup_once(
    report: SetupReport, *, key: str, label: str, exists: Callable[[], bool], create: Callable[[], None]
) -> bool:
    """Create one piece of initial content unless it was set up before or is
    already there; record it either way. Returns whether it was created."""
    if SetupRecord.objects.filter(key=key).exists():
        report.left_alone.append(f"{label} (set up before; staff own it now)")
        return False
    if exists():
        SetupRecord.objects.create(key=key, created=False)
        report.left_alone.append(f"{label} (already there)")
        return False
    create()
    SetupRecord.objects.create(key=key, created=True)
    report.created.append(label)
    return True


def _learner_types(report: SetupReport, codes: list[str], where: str) -> list[LearnerType]:
    """The learner types with ``codes``; a missing one (deleted by staff) is
    reported and skipped, since eligibility is staff's to edit anyway."""
    found = LearnerType.objects.in_bulk(codes, field_name="code")
    missing = [code for code in codes if code not in found]
    if missing:
        report.warnings.append(f"{where}: no learner type {', '.join(missing)}; left out")
    return [found[code] for code in codes if code in found]


def _program_create(report: SetupReport, spec: dict) -> None:
    program = Program.objects.create(**spec["fields"])
    where = f"Program {program.name}"
    program.mentee_learner_types.set(_learner_types(report, spec["mentees"], where))
    program.mentor_learner_types.set(_learner_types(report, spec["mentors"], where))
    for order, text in enumerate(spec["outcomes"]):
        Outcome.objects.create(program=program, order=order, text=text)
    for tier_spec in spec["tiers"]:
        tier_spec = dict(tier_spec)
        mentees, mentors = tier_spec.pop("mentees"), tier_spec.pop("mentors")
        tier = Tier.objects.create(program=program, **tier_spec)
        tier.mentee_learner_types.set(_learner_types(report, mentees, f"{where} {tier.name}"))
        tier.mentor_learner_types.set(_learner_types(report, mentors, f"{where} {tier.name}"))


def setup(report: SetupReport) -> None:
    """Create the landing page's texts, the resources and the programs (each
    with its outcomes, tiers and eligibility) that are not set up yet."""
    setup_once(
        report,
        key="programs:site-content",
        label="Landing page texts",
        exists=SiteContent.objects.exists,
        create=lambda: SiteContent.objects.create(**SITE_TEXT),
    )
    for order, (title, url, description) in enumerate(RESOURCES):
        setup_once(
            report,
            key=f"programs:resource:{title}",
            label=f"Resource {title}",
            exists=lambda title=title: Resource.objects.filter(title=title).exists(),
            create=lambda title=title, url=url, description=description, order=order: Resource.objects.create(
                title=title, url=url, description=description, order=order
            ),
        )
    for spec in PROGRAMS:
        slug = spec["fields"]["slug"]
        setup_once(
            report,
            key=f"programs:program:{slug}",
            label=f"Program {spec['fields']['name']} with its outcomes, tiers and eligibility",
            exists=lambda slug=slug: Program.objects.filter(slug=slug).exists(),
            create=lambda spec=spec: _program_create(report, spec),
        )
