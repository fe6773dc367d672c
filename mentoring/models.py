"""The mentorship year: a published match's agreement, meetings, check-ins,
evaluations, requests for help and its end.

Who reads what (the rules live in ``mentoring/access.py``):
- the pair and the program's coordinators open the match's home;
- a meeting's note is read by the two people of the pair only, coordinators included out;
- a mentee's questionnaire answers are never shown to their mentor; coordinators
  of the program see who answered and the answers;
- the reason an early end was asked for is for coordinators only.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from applications.models import Role
from matching.models import Match
from programs.models import Outcome, Program


class MentoringPolicy(models.Model):
    """A program's rules for the year after the match. A program without a row
    uses the defaults (``MentoringPolicy.for_program``)."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="mentoring_policy")
    minutes_per_term = models.PositiveIntegerField(
        "meeting time expected per term (minutes)", default=120, help_text="DMP asks for 2 hours a term."
    )
    # The agreement template both people confirm.
    agreement_goals = models.TextField("goals", blank=True)
    agreement_frequency = models.TextField("how often to meet", blank=True)
    agreement_confidentiality = models.TextField("confidentiality", blank=True)
    agreement_boundaries = models.TextField("boundaries", blank=True)
    # The reminder schedule.
    intro_reminder_days = models.PositiveSmallIntegerField(
        "days after the introduction with no meeting before a reminder", default=14
    )
    quiet_reminder_days = models.PositiveSmallIntegerField(
        "days without a meeting before a reminder", default=42
    )
    agreement_reminder_days = models.PositiveSmallIntegerField(
        "days after the introduction before an unconfirmed agreement is reminded", default=7
    )
    questionnaire_reminder_days = models.PositiveSmallIntegerField(
        "days before a check-in or evaluation closes to remind", default=3
    )

    class Meta:
        verbose_name = "mentorship year settings"
        verbose_name_plural = "mentorship year settings"

    def __str__(self) -> str:
        return f"Mentorship year settings for {self.program}"

    @classmethod
    def for_program(cls, program: Program) -> MentoringPolicy:
        try:
            return program.mentoring_policy
        except cls.DoesNotExist:
            return cls(program=program)


class ProgramYear(models.Model):
    """A program's year, split into terms. Matches of the year end when it ends."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="years")
    name = models.CharField(max_length=60, help_text='For example "2026–2027".')
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["program", "-starts_on"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="program_year_name_unique")]

    def __str__(self) -> str:
        return f"{self.program.name} {self.name}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            raise ValidationError({"ends_on": "The year must end after it starts."})


class Term(models.Model):
    year = models.ForeignKey(ProgramYear, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=60, help_text='For example "Fall 2026".')
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["year", "starts_on"]

    def __str__(self) -> str:
        return f"{self.year}: {self.name}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            raise ValidationError({"ends_on": "The term must end after it starts."})


class Agreement(models.Model):
    """The agreement of one match: the program's template as it was when the
    match was published (so a later edit of the template changes nothing
    already confirmed), and the date each person confirmed it."""

    match = models.OneToOneField(Match, on_delete=models.CASCADE, related_name="agreement")
    goals = models.TextField(blank=True)
    frequency = models.TextField(blank=True)
    confidentiality = models.TextField(blank=True)
    boundaries = models.TextField(blank=True)
    mentee_confirmed_at = models.DateTimeField(null=True, blank=True)
    mentor_confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Agreement of {self.match}"

    @property
    def is_confirmed(self) -> bool:
        return bool(self.mentee_confirmed_at and self.mentor_confirmed_at)


class MeetingFormat(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIRTUAL = "virtual", "Video call"
    PHONE = "phone", "Phone"
    MESSAGE = "message", "Messages"


class Meeting(models.Model):
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="meetings")
    met_on = models.DateField("date")
    minutes = models.PositiveSmallIntegerField("length (minutes)")
    format = models.CharField(max_length=10, choices=MeetingFormat.choices)
    note = models.TextField(
        blank=True, max_length=4000, help_text="Only the two of you can read this note; coordinators cannot."
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    logged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-met_on", "-id"]
        indexes = [models.Index(fields=["match", "met_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=5, minutes__lte=600), name="meeting_minutes_5_to_600"
            )
        ]

    def __str__(self) -> str:
        return f"{self.met_on}: {self.minutes} min"


class QuestionnaireKind(models.TextChoices):
    CHECK_IN = "check_in", "Check-in"
    MIDPOINT = "midpoint", "Midpoint evaluation"
    CLOSING = "closing", "Closing evaluation"


class Questionnaire(models.Model):
    """A check-in or an evaluation, for one role, in one program year; it goes
    out on ``opens_on`` and closes at the end of ``closes_on``."""

    year = models.ForeignKey(ProgramYear, on_delete=models.CASCADE, related_name="questionnaires")
    term = models.ForeignKey(
        Term, on_delete=models.CASCADE, null=True, blank=True, related_name="questionnaires"
    )
    kind = models.CharField(max_length=10, choices=QuestionnaireKind.choices)
    role = models.CharField(max_length=6, choices=Role.choices)
    title = models.CharField(max_length=150)
    intro = models.TextField(blank=True)
    opens_on = models.DateField()
    closes_on = models.DateField()

    class Meta:
        ordering = ["year", "opens_on", "role", "id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_role_display().lower()}s)"

    @property
    def is_required(self) -> bool:
        """Evaluations cannot be turned off; check-in reminders can."""
        return self.kind != QuestionnaireKind.CHECK_IN


class ItemKind(models.TextChoices):
    LIKERT = "likert", "Agree–disagree (1–5)"
    TEXT = "text", "Text"
    CHOICE = "choice", "One choice"


LIKERT_LABELS = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}


class QuestionnaireItem(models.Model):
    """A question of a questionnaire. An item linked to one of the program's
    outcomes is an outcome item: a Likert statement whose answers the reports
    compare between the midpoint and the closing."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=6, choices=ItemKind.choices, default=ItemKind.LIKERT)
    choices = models.TextField(blank=True, help_text="For a choice item: one choice per line.")
    outcome = models.ForeignKey(Outcome, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    required = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["questionnaire", "order", "id"]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        if self.outcome_id and self.kind != ItemKind.LIKERT:
            raise ValidationError({"kind": "An outcome item is an agree–disagree (Likert) question."})

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class QuestionnaireResponse(models.Model):
    """One person's answers to one questionnaire, for one match."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="responses")
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="questionnaire_responses")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "match"], name="one_response_per_match")
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} for {self.match}"


class ItemAnswer(models.Model):
    response = models.ForeignKey(QuestionnaireResponse, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(QuestionnaireItem, on_delete=models.CASCADE, related_name="answers")
    likert = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True, max_length=4000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="one_answer_per_item"),
            models.CheckConstraint(
                condition=Q(likert__isnull=True) | Q(likert__gte=1, likert__lte=5), name="likert_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.likert or self.text}"


class SupportKind(models.TextChoices):
    HELP = "help", "Asked the coordinator for help"
    REMATCH = "rematch", "Asked for a rematch"
    END_EARLY = "end_early", "Asked to end early"


class SupportRequest(models.Model):
    """One person of a pair asking the coordinators for something. The text is
    for the coordinators only."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="support_requests")
    kind = models.CharField(max_length=10, choices=SupportKind.choices)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(max_length=3000)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.match})"


class ReminderKind(models.TextChoices):
    INTRO = "intro", "No meeting since the introduction"
    QUIET = "quiet", "No meeting for a while"
    AGREEMENT = "agreement", "Agreement not confirmed"
    QUESTIONNAIRE_OPEN = "q_open", "Check-in or evaluation due"
    QUESTIONNAIRE_CLOSING = "q_closing", "Check-in or evaluation closing soon"


class ReminderSent(models.Model):
    """A reminder that went to one person about one match in one period. The
    unique key is what makes a reminder go once whatever retries or restarts."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="reminders_sent")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    period = models.CharField(
        max_length=60, help_text='What the reminder is about, e.g. "q:12" or "quiet:2026-10-12".'
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = "reminder sent"
        verbose_name_plural = "reminders sent"
        constraints = [
            models.UniqueConstraint(
                fields=["match", "recipient", "kind", "period"], name="reminder_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.period})"


class DigestSent(models.Model):
    """The weekly digest to one program's coordinators, once per week."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="The Monday of the week.")
    sent_at = models.DateTimeField(auto_now_add=True)
    matches = models.PositiveIntegerField(help_text="How many matches it listed.")

    class Meta:
        ordering = ["-week"]
        verbose_name = "digest sent"
        verbose_name_plural = "digests sent"
        constraints = [models.UniqueConstraint(fields=["program", "week"], name="digest_once_per_week")]

    def __str__(self) -> str:
        return f"Digest for {self.program} (week of {self.week})"


class NudgePreference(models.Model):
    """Whether a person gets the optional nudges (no meeting, agreement,
    check-ins). Required evaluations are sent whatever this says."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nudge_preference"
    )
    optional_nudges = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"Nudges for {self.user}: {'on' if self.optional_nudges else 'off'}"


class MatchHealth(Match):
    """The coordinators' view of how published matches are doing (the
    match-health list in the admin): a proxy, so it has its own admin page
    and permission without a table of its own."""

    class Meta:
        proxy = True
        verbose_name = "match health"
        verbose_name_plural = "match health"
