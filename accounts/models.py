from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class LearnerStage(models.TextChoices):
    """What a person is, for their profile; the year refines MD and PGY."""

    MD = "MD", "MD student"
    PGY = "PGY", "Resident (PGY)"
    PT = "PT", "Physical therapy (PT)"
    OT = "OT", "Occupational therapy (OT)"
    SLP = "SLP", "Speech-language pathology (SLP)"
    CLINICIAN = "CLIN", "Clinician / faculty"
    OTHER = "OTHER", "Other"


class User(AbstractUser):
    """A person. Email is the login; learner and mentor are not roles but
    applications, so one person can be both (an iLEAD upper-year often is)."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    name = models.CharField("full name", max_length=150, blank=True)
    pronouns = models.CharField(max_length=50, blank=True, help_text="For example: she/her, they/them.")
    learner_stage = models.CharField("learner type", max_length=8, choices=LearnerStage.choices, blank=True)
    year = models.PositiveSmallIntegerField(
        blank=True, null=True, help_text="Year of study or postgraduate year, if it applies."
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.pronouns})" if self.name and self.pronouns else str(self)
