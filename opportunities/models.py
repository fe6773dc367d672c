"""The Learner Mentorship Database: opportunities, their history, suggested
updates and prepared Excel exports."""

from __future__ import annotations

import datetime
import unicodedata
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from programs.models import LearnerType, Specialty

from .eligibility import learners_compact


def normalise(text: str) -> str:
    """Casefolded, Unicode-normalised, whitespace collapsed: how two spellings
    of the same name are recognised as one."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def natural_key_for(name: str, host_name: str) -> str:
    return f"{normalise(name)}|{normalise(host_name)}"


def deadline_display(deadline: datetime.date, precision: str, *, short: bool = False) -> str:
    if precision == DeadlinePrecision.MONTH:
        return deadline.strftime("%b %Y" if short else "%B %Y")
    return deadline.strftime("%b %-d, %Y" if short else "%B %-d, %Y")


class Kind(models.TextChoices):
    FORMAL = "formal", "Formal program"
    INFORMAL = "informal", "Informal connection source"
    SUMMER = "summer", "Summer opportunity"


class HostType(models.TextChoices):
    PROGRAM = "program", "Temerty Medicine program"
    DEPARTMENT = "department", "Department"
    DIVISION = "division", "Division"
    HOSPITAL = "hospital", "Hospital site"
    ASSOCIATION = "association", "Professional association"
    LEARNER_GROUP = "learner_group", "Learner group"
    # What an import makes of a host type it cannot place; staff correct it.
    OTHER = "other", "Other"


class Format(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIRTUAL = "virtual", "Virtual"
    BOTH = "both", "In person and virtual"


class DeadlinePrecision(models.TextChoices):
    """How much of the deadline is known. The office often lists only a month
    ("March 2027"): it is stored as that month's last day, so sorting and the
    deadline filters treat it as "by the end of March", and shown as the month."""

    DAY = "day", "Day"
    MONTH = "month", "Month only"


class OpportunityQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Opportunity(models.Model):
    """One entry of the database: a formal program, an informal connection
    source (a list, an event series) or a summer opportunity."""

    name = models.CharField(max_length=200)
    natural_key = models.CharField(
        max_length=420,
        unique=True,
        editable=False,
        help_text="Normalised name and host: the same opportunity imported twice is one record.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    host_type = models.CharField(max_length=20, choices=HostType.choices)
    host_name = models.CharField("host", max_length=200)
    specialties = models.ManyToManyField(Specialty, related_name="opportunities", blank=True)
    eligible_learners = models.ManyToManyField(LearnerType, related_name="opportunities", blank=True)
    description = models.TextField(blank=True)
    how_to_join = models.TextField(blank=True)
    website = models.URLField(max_length=500, blank=True)
    contact_email = models.EmailField(blank=True)
    deadline = models.DateField(blank=True, null=True)
    deadline_precision = models.CharField(
        max_length=5,
        choices=DeadlinePrecision.choices,
        default=DeadlinePrecision.DAY,
        help_text="“Month only”: the deadline is the month's last day and is shown as the month.",
    )
    is_rolling = models.BooleanField(
        "rolling", default=False, help_text="Applications are taken at any time (no fixed deadline)."
    )
    cost = models.CharField(max_length=200, blank=True, help_text='For example "Free" or "$50 membership".')
    format = models.CharField(max_length=20, choices=Format.choices, blank=True)
    last_verified = models.DateField(blank=True, null=True, help_text="When staff last checked this entry.")
    is_published = models.BooleanField("published", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "opportunities"
        indexes = [
            models.Index(fields=["is_published", "name"]),
            models.Index(fields=["is_published", "deadline"]),
            models.Index(fields=["host_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.host_name})"

    def save(self, *args, **kwargs):
        self.natural_key = natural_key_for(self.name, self.host_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "host_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "natural_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("opportunities:detail", args=[self.pk])

    @property
    def eligible_learners_compact(self) -> str:
        """The eligible learners in short ("MD 1–4, PGY 1–2"), from the prefetch."""
        types = list(self.eligible_learners.all())
        return learners_compact([t.code for t in types], {t.code: t.label for t in types})

    @property
    def deadline_is_month(self) -> bool:
        return self.deadline_precision == DeadlinePrecision.MONTH

    @property
    def deadline_short(self) -> str:
        return deadline_display(self.deadline, self.deadline_precision, short=True) if self.deadline else ""

    @property
    def deadline_text(self) -> str:
        if self.is_rolling:
            return "Rolling"
        if self.deadline:
            return deadline_display(self.deadline, self.deadline_precision)
        return ""


class ChangeSource(models.TextChoices):
    IMPORT = "import", "Import"
    SUGGESTION = "suggestion", "Suggestion"
    ADMIN = "admin", "Admin"


class OpportunityChange(models.Model):
    """One change to an opportunity: who, when, from where, and each changed
    field's old and new value (``{"field": [old, new]}``)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, blank=True, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=20, choices=ChangeSource.choices)
    created = models.BooleanField(default=False)
    changes = models.JSONField(default=dict)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        action = "Created" if self.created else "Changed " + ", ".join(sorted(self.changes))
        return f"{action} ({self.get_source_display()}, {self.changed_at:%Y-%m-%d})"


class Suggestion(models.Model):
    """A proposed new opportunity, or a correction to one, waiting for staff."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.CASCADE,
        related_name="suggestions",
        blank=True,
        null=True,
        help_text="Empty for a proposed new opportunity.",
    )
    suggested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    proposed = models.JSONField(
        help_text="The proposed values: field → value (specialty names, learner type codes)."
    )
    message = models.TextField(blank=True, help_text="The person's note to staff.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, blank=True, null=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(blank=True, null=True)
    rejection_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        target = self.opportunity.name if self.opportunity_id else self.proposed.get("name", "?")
        kind = "Correction to" if self.opportunity_id else "New:"
        return f"{kind} {target}"

    @property
    def is_new(self) -> bool:
        return self.opportunity_id is None


class ExportJob(models.Model):
    """A large export built by a Celery task; downloadable by the person who
    asked for it (or staff) until it expires."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Preparing"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    query_string = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(blank=True, null=True)
    finished_at = models.DateTimeField(blank=True, null=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"Export {self.id} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("opportunities:export_status", args=[self.pk])

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.rows_written * 100 / self.total_rows))

    @staticmethod
    def default_expiry() -> datetime.datetime:
        return timezone.now() + datetime.timedelta(hours=settings.EXPORT_RETENTION_HOURS)
