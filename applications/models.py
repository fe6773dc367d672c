from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import ngettext

from programs.models import LearnerType, Outcome, Program, Specialty, Tier


class Role(models.TextChoices):
    MENTEE = "mentee", "Mentee"
    MENTOR = "mentor", "Mentor"


class Status(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    ACCEPTED = "accepted", "Accepted"
    WAITLISTED = "waitlisted", "Waitlisted"
    DECLINED = "declined", "Declined"
    MATCHED = "matched", "Matched"
    ENDED = "ended", "Ended"
    WITHDRAWN = "withdrawn", "Withdrawn"


LIVE_STATUSES = [
    Status.SUBMITTED,
    Status.UNDER_REVIEW,
    Status.ACCEPTED,
    Status.WAITLISTED,
    Status.MATCHED,
]

# The lifecycle: submitted → under review → accepted, waitlisted or declined →
# matched → ended; withdrawn from any live state. A coordinator may decide
# straight from "submitted" (reviewing is implied). A matched application goes
# back to accepted when its match ends and the person is to be matched again.
TRANSITIONS: dict[str, set[str]] = {
    Status.SUBMITTED: {
        Status.UNDER_REVIEW,
        Status.ACCEPTED,
        Status.WAITLISTED,
        Status.DECLINED,
        Status.WITHDRAWN,
    },
    Status.UNDER_REVIEW: {Status.ACCEPTED, Status.WAITLISTED, Status.DECLINED, Status.WITHDRAWN},
    Status.ACCEPTED: {Status.MATCHED, Status.WAITLISTED, Status.DECLINED, Status.WITHDRAWN},
    Status.WAITLISTED: {Status.ACCEPTED, Status.MATCHED, Status.DECLINED, Status.WITHDRAWN},
    Status.MATCHED: {Status.ENDED, Status.ACCEPTED, Status.WITHDRAWN},
    Status.DECLINED: set(),
    Status.ENDED: set(),
    Status.WITHDRAWN: set(),
}


class MentorRole(models.TextChoices):
    CLINICIAN = "clinician", "Clinician / faculty"
    RESIDENT = "resident", "Resident (PGY)"
    STUDENT = "student", "Upper-year MD student"


class MeetingFormat(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIRTUAL = "virtual", "Virtual"
    EITHER = "either", "Either"


class MeetingFrequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    BIWEEKLY = "biweekly", "Every two weeks"
    MONTHLY = "monthly", "Monthly"
    TERM = "term", "A few times a term"


class Availability(models.TextChoices):
    WEEKDAY_MORNING = "weekday_morning", "Weekday mornings"
    WEEKDAY_AFTERNOON = "weekday_afternoon", "Weekday afternoons"
    WEEKDAY_EVENING = "weekday_evening", "Weekday evenings"
    WEEKEND = "weekend", "Weekends"


class HospitalSite(models.TextChoices):
    """TAHSN hospital sites and the university itself."""

    UHN = "uhn", "University Health Network"
    SINAI = "sinai", "Sinai Health"
    SUNNYBROOK = "sunnybrook", "Sunnybrook Health Sciences Centre"
    UNITY = "unity", "Unity Health Toronto (St. Michael's, St. Joseph's)"
    SICKKIDS = "sickkids", "The Hospital for Sick Children"
    WCH = "wch", "Women's College Hospital"
    CAMH = "camh", "Centre for Addiction and Mental Health"
    HOLLAND = "holland", "Holland Bloorview Kids Rehabilitation Hospital"
    NYGH = "nygh", "North York General Hospital"
    MGH = "mgh", "Michael Garron Hospital"
    SHN = "shn", "Scarborough Health Network"
    TRILLIUM = "trillium", "Trillium Health Partners"
    CAMPUS = "campus", "University campus"
    OTHER = "other", "Another site"


class ApplicationQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=LIVE_STATUSES)


class Application(models.Model):
    """One person's application to one program, in one role (and tier)."""

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="applications")
    role = models.CharField(max_length=6, choices=Role.choices)
    tier = models.ForeignKey(
        Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED)

    # Both roles: who they are in the program's terms.
    learner_type = models.ForeignKey(
        LearnerType,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For mentees the type they chose; for mentors derived from their role and year.",
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    specialties = models.ManyToManyField(Specialty, blank=True, related_name="+")
    outcomes = models.ManyToManyField(
        Outcome,
        blank=True,
        related_name="+",
        help_text="Mentees: what they join for. Mentors: what they can offer.",
    )
    meeting_format = models.CharField(max_length=10, choices=MeetingFormat.choices)
    availability = models.JSONField(default=list, blank=True, help_text="Codes from Availability.")
    hospital_site = models.CharField(max_length=12, choices=HospitalSite.choices, blank=True)

    # Mentee only.
    hopes = models.TextField("what they hope for from a mentor", blank=True, max_length=2000)
    meeting_frequency = models.CharField(max_length=10, choices=MeetingFrequency.choices, blank=True)

    # Mentor only.
    mentor_role = models.CharField(max_length=10, choices=MentorRole.choices, blank=True)
    department = models.CharField("department or division", max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Mentees they can take (1–10)."
    )

    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True, help_text="Orders the waitlist.")
    waitlist_rank = models.IntegerField(
        null=True, blank=True, help_text="Set when a coordinator moves someone on the waitlist."
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # One live application per person, program, role and tier. Two
            # constraints because NULL tiers never collide in a unique index.
            models.UniqueConstraint(
                fields=["applicant", "program", "role", "tier"],
                condition=Q(status__in=LIVE_STATUSES) & Q(tier__isnull=False),
                name="one_live_application_per_tier",
            ),
            models.UniqueConstraint(
                fields=["applicant", "program", "role"],
                condition=Q(status__in=LIVE_STATUSES) & Q(tier__isnull=True),
                name="one_live_application_without_tier",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1, capacity__lte=10),
                name="mentor_capacity_between_1_and_10",
            ),
        ]
        indexes = [models.Index(fields=["program", "role", "status"])]

    def __str__(self) -> str:
        tier = f" tier {self.tier.number}" if self.tier_id else ""
        return f"{self.program.name}{tier} {self.get_role_display().lower()}: {self.applicant}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def is_editable_by_applicant(self) -> bool:
        return self.status == Status.SUBMITTED

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS[self.status]

    @property
    def availability_display(self) -> list[str]:
        labels = dict(Availability.choices)
        return [labels.get(code, code) for code in self.availability]


class StatusChange(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class IdentityDimension(models.Model):
    """A dimension of self-identification an equity program offers."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="identity_dimensions")
    label = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    is_prefer_not = models.BooleanField("means 'prefer not to say'", default=False)

    class Meta:
        ordering = ["program", "order", "id"]

    def __str__(self) -> str:
        return self.label


class IdentityDisclosure(models.Model):
    """Optional self-identification. Only the program's coordinators see it;
    deleted at once when the application is withdrawn, and
    IDENTITY_RETENTION_DAYS after it is declined or ends."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="identity")
    dimensions = models.ManyToManyField(IdentityDimension, blank=True, related_name="+")
    self_described = models.CharField("another identity, in their own words", max_length=200, blank=True)
    consent_to_matching = models.BooleanField(default=False)
    consent_to_reporting = models.BooleanField(
        "consent to be counted in program reports",
        default=False,
        help_text="Counted, without a name and with counts under 5 hidden, in the program's reports.",
    )
    wants_shared_identity = models.BooleanField("would like a mentor who shares an identity", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Self-identification for application {self.application_id}"


class Question(models.Model):
    """A program's own question, edited by coordinators without code."""

    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", "Short text"
        LONG_TEXT = "long_text", "Long text"
        SINGLE_CHOICE = "single_choice", "Single choice"
        MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
        YES_NO = "yes_no", "Yes / no"

    class Audience(models.TextChoices):
        MENTEES = "mentee", "Mentees"
        MENTORS = "mentor", "Mentors"
        BOTH = "both", "Both"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SHORT_TEXT)
    choices = models.TextField(blank=True, help_text="For choice questions: one choice per line.")
    required = models.BooleanField(default=False)
    audience = models.CharField(max_length=6, choices=Audience.choices, default=Audience.BOTH)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["program", "order", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class Answer(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.JSONField(help_text="Text, a choice, a list of choices, or true/false.")

    class Meta:
        ordering = ["question__order", "question_id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "question"], name="one_answer_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.display_value}"

    @property
    def display_value(self) -> str:
        if isinstance(self.value, bool):
            return "Yes" if self.value else "No"
        if isinstance(self.value, list):
            return "; ".join(str(v) for v in self.value)
        return str(self.value)


class ApplicationExport(models.Model):
    """Audit trail of Excel exports: who took which programs' applications,
    how many, and whether self-identification was included."""

    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    exported_at = models.DateTimeField(auto_now_add=True)
    programs = models.ManyToManyField(Program, related_name="+")
    application_count = models.PositiveIntegerField()
    included_identity = models.BooleanField("included self-identification", default=False)

    class Meta:
        ordering = ["-exported_at", "-id"]
        verbose_name = "application export"

    def __str__(self) -> str:
        count = self.application_count
        noun = ngettext("application", "applications", count)
        return f"Export of {count} {noun} on {self.exported_at:%Y-%m-%d %H:%M}"
