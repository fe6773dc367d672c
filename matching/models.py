"""Matching: rounds, the weights coordinators tune, exclusions and matches.

A match is a row from the moment the engine (or a coordinator) proposes it:
proposed (a draft in a round) → published (both people introduced) → ended.
A proposal a coordinator removes is kept as "declined" so the pair is not
suggested again.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from applications.models import Application, Role
from programs.models import Program, Tier


class RoundStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    COMPLETE = "complete", "Complete"


PUBLIC_STATUS_WORDS = {
    RoundStatus.PLANNED: "planned",
    RoundStatus.DRAFT: "matching in progress",
    RoundStatus.PUBLISHED: "matches published",
    RoundStatus.COMPLETE: "complete",
}


class Round(models.Model):
    """A round of matching for one program (and tier). After publishing, the
    same round takes late applicants one at a time (rolling intake)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="rounds")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="rounds")
    name = models.CharField(max_length=100, help_text='For example "Round 1, Fall 2025".')
    status = models.CharField(max_length=10, choices=RoundStatus.choices, default=RoundStatus.PLANNED)
    is_public = models.BooleanField(
        "show on the program page", default=True, help_text="Show this round's status on the program page."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["program", "tier__number", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "tier", "name"], name="round_name_unique"),
        ]

    def __str__(self) -> str:
        tier = f" tier {self.tier.number}" if self.tier_id else ""
        return f"{self.program.name}{tier}: {self.name}"

    def clean(self) -> None:
        if self.tier_id and self.program_id and self.tier.program_id != self.program_id:
            raise ValidationError({"tier": "Pick a tier of this round's program."})

    @property
    def public_status_text(self) -> str:
        """The program page's status line, e.g. "Round 1, Fall 2025: complete"."""
        return f"{self.name}: {PUBLIC_STATUS_WORDS[self.status]}"

    @property
    def is_draft(self) -> bool:
        return self.status in (RoundStatus.PLANNED, RoundStatus.DRAFT)

    @property
    def takes_rolling_intake(self) -> bool:
        return self.status in (RoundStatus.PUBLISHED, RoundStatus.COMPLETE)


class MatchingWeights(models.Model):
    """How much each criterion counts when scoring a pair, per program."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="matching_weights")
    specialty = models.PositiveSmallIntegerField(
        "shared specialty interest", default=3, help_text="Per shared specialty (up to three)."
    )
    outcomes = models.PositiveSmallIntegerField(
        "outcomes the mentor offers",
        default=2,
        help_text="Per outcome the mentee chose that the mentor offers.",
    )
    identity = models.PositiveSmallIntegerField(
        "identity concordance",
        default=3,
        help_text="When the mentee asked for a mentor who shares an identity and both consented.",
    )
    site = models.PositiveSmallIntegerField("same hospital site or campus", default=1)
    meeting_format = models.PositiveSmallIntegerField("compatible meeting format", default=1)
    availability = models.PositiveSmallIntegerField("availability overlap", default=1)

    class Meta:
        verbose_name = "matching weights"
        verbose_name_plural = "matching weights"

    def __str__(self) -> str:
        return f"Matching weights for {self.program}"


class Exclusion(models.Model):
    """A pair a coordinator has ruled out."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="matching_exclusions")
    mentee = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["mentee", "mentor"], name="exclusion_unique_pair")]

    def __str__(self) -> str:
        return f"Never pair {self.mentee.applicant} with {self.mentor.applicant}"

    def clean(self) -> None:
        errors = {}
        if self.mentee_id and (self.mentee.role != Role.MENTEE or self.mentee.program_id != self.program_id):
            errors["mentee"] = "Pick a mentee application of this program."
        if self.mentor_id and (self.mentor.role != Role.MENTOR or self.mentor.program_id != self.program_id):
            errors["mentor"] = "Pick a mentor application of this program."
        if errors:
            raise ValidationError(errors)


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed (draft)"
    DECLINED = "declined", "Declined"
    PUBLISHED = "published", "Published"
    ENDED = "ended", "Ended"


class MatchSource(models.TextChoices):
    STABLE = "stable", "Stable matching"
    OPTIMAL = "optimal", "Optimal matching"
    MANUAL = "manual", "By hand"


class MatchQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=MatchStatus.PUBLISHED)


class Match(models.Model):
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="matches")
    mentee = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="matches_as_mentee")
    mentor = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="matches_as_mentor")
    status = models.CharField(max_length=10, choices=MatchStatus.choices, default=MatchStatus.PROPOSED)
    source = models.CharField(max_length=10, choices=MatchSource.choices, default=MatchSource.MANUAL)
    score = models.IntegerField(default=0)
    identity_score = models.IntegerField(
        default=0,
        help_text="The part of the score that identity concordance gives: taken off the score "
        "shown to anyone who may not see identity.",
    )
    reasons = models.JSONField(
        default=list, blank=True, help_text='A list of {"text": ..., "identity": true|false}.'
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True, max_length=2000)

    objects = MatchQuerySet.as_manager()

    class Meta:
        ordering = ["round", "-score", "id"]
        verbose_name_plural = "matches"
        constraints = [
            # A mentee has at most one active mentor...
            models.UniqueConstraint(
                fields=["mentee"],
                condition=Q(status=MatchStatus.PUBLISHED),
                name="one_published_match_per_mentee",
            ),
            # ...and at most one proposal per round.
            models.UniqueConstraint(
                fields=["round", "mentee"],
                condition=Q(status=MatchStatus.PROPOSED),
                name="one_proposal_per_mentee_per_round",
            ),
        ]
        indexes = [models.Index(fields=["mentor", "status"])]

    def __str__(self) -> str:
        return f"{self.mentee.applicant} with {self.mentor.applicant}"

    def reasons_for(self, *, show_identity: bool) -> list[str]:
        return [r["text"] for r in self.reasons if show_identity or not r.get("identity")]

    def score_for(self, *, show_identity: bool) -> int:
        """The score without its identity part for people who may not see
        identity (the identity reason is hidden from them, so must its points be)."""
        return self.score if show_identity else self.score - self.identity_score
