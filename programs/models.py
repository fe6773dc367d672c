from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class LearnerType(models.Model):
    """A kind of learner or mentor a program may admit (MD1, PGY2, PT, clinician...)."""

    code = models.CharField(max_length=10, unique=True)
    label = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.label


class MenteeIntake(models.TextChoices):
    OPEN = "open", "Open"
    LIMITED = "limited", "Limited"
    CLOSED = "closed", "Closed"


class MentorRecruitment(models.TextChoices):
    OPEN = "open", "Ongoing"
    CLOSED = "closed", "Closed"


DEFAULT_INTAKE_MESSAGES = {
    MenteeIntake.OPEN: "Mentee applications are open. Fill out the application and the program "
    "coordinator will be in touch.",
    MenteeIntake.LIMITED: "The first round of matching is complete. If you are interested in joining "
    "as a mentee, there are a limited number of mentors available. Kindly fill out the application, "
    "and the program coordinator will be in touch.",
    MenteeIntake.CLOSED: "Mentee applications are closed for now.",
}
DEFAULT_RECRUITMENT_MESSAGES = {
    MentorRecruitment.OPEN: "Recruitment for mentors is ongoing! Sign up using the form below.",
    MentorRecruitment.CLOSED: "Mentor recruitment is closed for now.",
}


class ProgramQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Program(models.Model):
    name = models.CharField(max_length=100, help_text="Short name shown on tiles, e.g. DMP.")
    full_name = models.CharField(max_length=200, blank=True)
    slug = models.SlugField(unique=True)
    summary = models.TextField(help_text="The text on the program's tile on the landing page.")
    description = models.TextField(blank=True, help_text="More about the program, on its own page.")
    audience = models.TextField(help_text="Who the program is for (audience and eligibility).")
    outcomes_intro = models.CharField(
        max_length=300, blank=True, help_text="Shown above the outcomes, if the program has any."
    )
    tiers_intro = models.CharField(
        max_length=300, blank=True, help_text="Shown above the tiers, if the program has any."
    )
    mentee_intake = models.CharField(
        max_length=10,
        choices=MenteeIntake.choices,
        default=MenteeIntake.OPEN,
        help_text="Limited: the first round is matched and few mentors are left; "
        "applicants are warned they may be waitlisted.",
    )
    mentee_intake_message = models.TextField(
        blank=True, help_text="Leave blank for the standard wording of the intake status."
    )
    mentor_recruitment = models.CharField(
        max_length=10, choices=MentorRecruitment.choices, default=MentorRecruitment.OPEN
    )
    mentor_recruitment_message = models.TextField(
        blank=True, help_text="Leave blank for the standard wording of the recruitment status."
    )
    mentee_learner_types = models.ManyToManyField(
        LearnerType, related_name="+", blank=True, help_text="Who may apply as a mentee."
    )
    mentor_learner_types = models.ManyToManyField(
        LearnerType, related_name="+", blank=True, help_text="Who may apply as a mentor."
    )
    collects_identity = models.BooleanField(
        "offers self-identification",
        default=False,
        help_text="Equity programs may ask applicants to self-identify (optional, with consent).",
    )
    contact_email = models.EmailField()
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="coordinated_programs", blank=True
    )
    is_published = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("programs:detail", args=[self.slug])

    @property
    def mentee_intake_text(self) -> str:
        return self.mentee_intake_message or DEFAULT_INTAKE_MESSAGES[self.mentee_intake]

    @property
    def mentor_recruitment_text(self) -> str:
        return self.mentor_recruitment_message or DEFAULT_RECRUITMENT_MESSAGES[self.mentor_recruitment]

    @property
    def accepts_mentees(self) -> bool:
        return self.mentee_intake != MenteeIntake.CLOSED

    @property
    def accepts_mentors(self) -> bool:
        return self.mentor_recruitment != MentorRecruitment.CLOSED


class Outcome(models.Model):
    """Something a mentee may join a program for (DMP has two)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="outcomes")
    text = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class Tier(models.Model):
    """A level of a program, pairing one kind of mentee with one kind of mentor."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="tiers")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    description = models.TextField(help_text="Who mentors whom in this tier.")
    mentee_learner_types = models.ManyToManyField(LearnerType, related_name="+", blank=True)
    mentor_learner_types = models.ManyToManyField(LearnerType, related_name="+", blank=True)

    class Meta:
        ordering = ["program", "number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="tier_number_unique_per_program")
        ]

    def __str__(self) -> str:
        return f"{self.program.name} tier {self.number}: {self.name}"


class SiteContent(models.Model):
    """The landing page's wording. One row; staff edit it in the admin."""

    title = models.CharField(max_length=200, default="Mentorship Programs")
    intro = models.TextField()
    contact_text = models.TextField(help_text="The sentence before the contact email.")
    contact_email = models.EmailField()
    hero_image_credit = models.CharField(max_length=300, blank=True)
    database_title = models.CharField(max_length=200, default="OLA Learner Mentorship Database")
    database_intro = models.TextField()
    database_scope = models.TextField(help_text="Where the database's entries come from.")
    database_note = models.TextField(blank=True, help_text="What the database leaves out, and why.")
    database_suggest_text = models.TextField(help_text="How to suggest updates or additions.")
    database_last_updated = models.DateField(
        blank=True,
        null=True,
        help_text="Shown until the database has records of its own; then derived from them.",
    )
    equity_title = models.CharField(max_length=200, default="Equity mentorship")
    equity_intro = models.TextField()
    equity_commitment = models.TextField()
    equity_presentation_url = models.URLField(blank=True)
    equity_presentation_text = models.CharField(max_length=200, blank=True)
    tiles_intro = models.TextField(blank=True)
    resources_title = models.CharField(max_length=200, default="Resources")

    class Meta:
        verbose_name = "landing page content"
        verbose_name_plural = "landing page content"

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)


class Resource(models.Model):
    title = models.CharField(max_length=200)
    url = models.URLField()
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title


class Specialty(models.Model):
    """A clinical specialty or field: shared by applications (interests, a
    mentor's specialty), matching and the Learner Mentorship Database."""

    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"

    def __str__(self) -> str:
        return self.name


class SetupRecord(models.Model):
    """A piece of initial content that ``manage.py setup_site`` created or found
    already there. Once recorded, setup_site leaves it alone for good: staff
    edits stay, and what staff deleted does not come back at the next deploy."""

    key = models.CharField(max_length=200, unique=True)
    created = models.BooleanField(help_text="False when the content was already there.")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "key"]

    def __str__(self) -> str:
        return self.key
