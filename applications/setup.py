"""This app's part of the site's first content (``manage.py setup_site``,
after the programs): each program's own questions and, for the equity
programs, the self-identification options. Create-only, like the programs'
part: a program's questions (or options) are set up once, as a set, and then
belong to its coordinators."""

from __future__ import annotations

from programs.models import Program
from programs.setup import SetupReport, setup_once

from .models import IdentityDimension, Question

IDENTITY_DIMENSIONS = [
    "Racialized",
    "Black",
    "Indigenous (First Nations, Métis or Inuit)",
    "2SLGBTQIA+",
    "Living with a disability",
    "First-generation (first in my family to attend university)",
    "From a low-income background",
]
PREFER_NOT = "Prefer not to say"

QUESTIONS = {
    "dmp": [
        dict(
            text="How did you hear about the DMP?",
            kind=Question.Kind.SINGLE_CHOICE,
            choices="A classmate or colleague\nAn email from the Office of Learner Affairs\n"
            "The OLA website\nAnother way",
            audience=Question.Audience.BOTH,
            required=False,
        ),
        dict(
            text="Have you been a mentor in another program before?",
            kind=Question.Kind.YES_NO,
            audience=Question.Audience.MENTORS,
            required=True,
        ),
    ],
    "ilead": [
        dict(
            text="Which leadership areas interest you most?",
            help_text="Choose any that apply.",
            kind=Question.Kind.MULTIPLE_CHOICE,
            choices="Advocacy\nCurriculum and teaching\nResearch\nStudent government\nCommunity outreach",
            audience=Question.Audience.BOTH,
            required=False,
        ),
        dict(
            text="Anything else you would like your mentor or mentee to know?",
            kind=Question.Kind.LONG_TEXT,
            audience=Question.Audience.BOTH,
            required=False,
        ),
    ],
}


def _questions_create(program: Program) -> None:
    for order, fields in enumerate(QUESTIONS[program.slug]):
        Question.objects.create(program=program, order=order, **fields)


def _identity_dimensions_create(program: Program) -> None:
    for order, label in enumerate([*IDENTITY_DIMENSIONS, PREFER_NOT]):
        IdentityDimension.objects.create(
            program=program, label=label, order=order, is_prefer_not=label == PREFER_NOT
        )


def setup(report: SetupReport) -> None:
    """Create the questions and self-identification options of the programs
    that setup_site knows, unless they were set up before. A program that is
    missing (not created, or deleted by staff) is skipped."""
    for program in Program.objects.filter(slug__in=QUESTIONS):
        setup_once(
            report,
            key=f"applications:questions:{program.slug}",
            label=f"Questions of {program.name}",
            exists=lambda program=program: Question.objects.filter(program=program).exists(),
            create=lambda program=program: _questions_create(program),
        )
        if program.collects_identity:
            setup_once(
                report,
                key=f"applications:identity-dimensions:{program.slug}",
                label=f"Self-identification options of {program.name}",
                exists=lambda program=program: IdentityDimension.objects.filter(program=program).exists(),
                create=lambda program=program: _identity_dimensions_create(program),
            )
