from __future__ import annotations

import uuid
from email.utils import parseaddr

from django.conf import settings
from django.db import models
from django.utils import timezone


class OutgoingEmail(models.Model):
    """One email to one address. The row is written in the same transaction as
    the change it announces; a task sends it after commit.

    Delivery is at least once, and more than once only for an email that was
    in flight when a worker died: a task may send only while it holds the
    row's ``claim_token`` (one retry chain per email), a row in "sending" whose
    claim is older than ``EMAIL_CLAIM_LEASE_SECONDS`` is taken back by beat,
    and every copy carries the same ``Message-ID`` so mail clients fold them."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=100, help_text="Template name the email came from.")
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The program the email is about; its coordinators see it. Empty for account emails.",
    )
    to = models.EmailField()
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    dedup_key = models.CharField(
        max_length=200,
        blank=True,
        null=True,
        unique=True,
        help_text="Set for emails that must go out once only (for example a match introduction).",
    )
    uid = models.UUIDField(default=uuid.uuid4, editable=False, help_text="Makes the Message-ID unique.")
    claim_token = models.UUIDField(
        blank=True,
        null=True,
        help_text="The retry chain (task) that owns this email; empty when none does.",
    )
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(blank=True, null=True)
    sent_at = models.DateTimeField(blank=True, null=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"

    @property
    def message_id(self) -> str:
        """The same for every copy of this email, and unique across databases."""
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
        return f"<outgoing-{self.pk}.{self.uid}@{domain}>"
