"""This app's part of the site's first content (``manage.py setup_site``):
each program's mentorship-year settings, with an agreement template the pair
can confirm from their first day. Create-only, like the rest of setup_site:
once set up, the settings belong to the program's coordinators."""

from __future__ import annotations

from programs.models import Program
from programs.setup import SetupReport, setup_once

from .models import MentoringPolicy

AGREEMENT = dict(
    agreement_goals=(
        "In your first meeting, agree on two or three goals for the year: for example, exploring a "
        "specialty, planning electives or applications, or finding your footing and support in the program."
    ),
    agreement_confidentiality=(
        "What you share in your meetings stays between the two of you, unless someone's safety is at "
        "risk. Either of you may ask the program's coordinators for help at any time."
    ),
    agreement_boundaries=(
        "A mentor is not an assessor: a mentor does not evaluate or supervise their mentee, and does not "
        "give medical care or advice about their own health. Keep to the faculty's professionalism "
        "standards, and say so early if something does not work for you."
    ),
)

# DMP asks each pair to meet for at least two hours a term; iLEAD keeps the default.
POLICIES = {
    "dmp": dict(
        minutes_per_term=120,
        agreement_frequency="At least two hours a term, in person or virtually, at times that suit you both.",
        **AGREEMENT,
    ),
    "ilead": dict(
        agreement_frequency="About once a month, in person or virtually, at times that suit you both.",
        **AGREEMENT,
    ),
}


def setup(report: SetupReport) -> None:
    """Create the mentorship-year settings of the programs setup_site knows,
    unless they were set up before. A missing program is skipped."""
    for program in Program.objects.filter(slug__in=POLICIES):
        setup_once(
            report,
            key=f"mentoring:policy:{program.slug}",
            label=f"Mentorship year settings of {program.name}",
            exists=lambda program=program: MentoringPolicy.objects.filter(program=program).exists(),
            create=lambda program=program: MentoringPolicy.objects.create(
                program=program, **POLICIES[program.slug]
            ),
        )
