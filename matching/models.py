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

from applications.models import Application, IdentityDimension, Role
from programs.models import Outcome, Program, Specialty, Tier


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
    ranking_opens_at = models.DateTimeField(
        "ranking opens", null=True, blank=True, help_text="Leave both blank for a round without rank lists."
    )
    ranking_closes_at = models.DateTimeField("ranking closes", null=True, blank=True)
    # When the "ranking is open" email and the reminder two days before the
    # close went out: each is sent once per window.
    ranking_open_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    ranking_reminder_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

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
        if (self.ranking_opens_at is None) != (self.ranking_closes_at is None):
            raise ValidationError("Set both the opening and the closing of the ranking window, or neither.")
        if self.ranking_opens_at and self.ranking_closes_at <= self.ranking_opens_at:
            raise ValidationError({"ranking_closes_at": "The ranking window must close after it opens."})

    @property
    def has_ranking(self) -> bool:
        return self.ranking_opens_at is not None

    def ranking_is_open(self, now) -> bool:
        return self.has_ranking and self.ranking_opens_at <= now < self.ranking_closes_at

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
    REQUEST = "request", "Requested by the mentee"


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
    # The rank each side gave the other when the pair was proposed (None: not
    # on that person's list, or the round had no rank lists).
    mentee_rank = models.PositiveSmallIntegerField(
        "mentee's rank of the mentor", null=True, blank=True, editable=False
    )
    mentor_rank = models.PositiveSmallIntegerField(
        "mentor's rank of the mentee", null=True, blank=True, editable=False
    )

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


# --- Participant choice: profiles, rank lists and requests (issue 13) -------


class MentorParticipation(models.TextChoices):
    """How a program's mentors take part in a ranking window."""

    RANK = "rank", "Mentors rank the mentees who ranked them"
    VERDICT = "verdict", 'Mentors mark mentees "happy to mentor" or "rather not"'
    SCORES = "scores", "Coordinators' scores speak for mentors"


class ChoicePolicy(models.Model):
    """A program's rules for rank lists and requests. A program without a row
    uses the defaults (``ChoicePolicy.for_program``)."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="choice_policy")
    max_ranks = models.PositiveSmallIntegerField(
        "mentors a mentee may rank",
        default=5,
        help_text="N: the longest rank list a mentee may submit (1–20).",
    )
    mentor_participation = models.CharField(
        max_length=10, choices=MentorParticipation.choices, default=MentorParticipation.RANK
    )
    request_reply_days = models.PositiveSmallIntegerField(
        "days a mentor has to answer a request",
        default=7,
        help_text="After this many days an unanswered request expires and the coordinators are told.",
    )

    class Meta:
        verbose_name = "participant choice settings"
        verbose_name_plural = "participant choice settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(max_ranks__gte=1, max_ranks__lte=20), name="choice_max_ranks_between_1_and_20"
            ),
            models.CheckConstraint(
                condition=Q(request_reply_days__gte=1, request_reply_days__lte=60),
                name="choice_reply_days_between_1_and_60",
            ),
        ]

    def __str__(self) -> str:
        return f"Participant choice for {self.program}"

    @classmethod
    def for_program(cls, program: Program) -> ChoicePolicy:
        """The program's row, or an unsaved one with the defaults."""
        try:
            return program.choice_policy
        except cls.DoesNotExist:
            return cls(program=program)


class MentorProfile(models.Model):
    """What mentees see of an accepted mentor when they rank or request.

    Starts as a copy of the mentor's application and is then the mentor's own
    to edit at any time. Self-identification is shown only for the dimensions
    the mentor opted to show (``shown_identity``, a subset of their own
    disclosure); contact details are never on the profile."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="mentor_profile")
    pronouns = models.CharField(max_length=40, blank=True)
    headline = models.CharField(
        "role and year or specialty", max_length=150, help_text='For example "PGY2, Internal Medicine".'
    )
    hospital_site = models.CharField("site", max_length=12, blank=True)
    specialties = models.ManyToManyField(Specialty, blank=True, related_name="+")
    interests = models.TextField(blank=True, max_length=1000)
    offers = models.ManyToManyField(
        Outcome, blank=True, related_name="+", help_text="Which of the program's outcomes they offer."
    )
    meeting_format = models.CharField(max_length=10, blank=True)
    availability = models.JSONField(default=list, blank=True, help_text="Codes from Availability.")
    about = models.TextField("in their own words", blank=True, max_length=1500)
    shown_identity = models.ManyToManyField(
        IdentityDimension,
        blank=True,
        related_name="+",
        help_text="Dimensions of their self-identification the mentor chose to show mentees.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.application.applicant}"


class RankList(models.Model):
    """One person's rank list in one round: a mentee's mentors, or (when the
    program asks mentors to rank) a mentor's mentees. Editable until the
    round's ranking window closes."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="rank_lists")
    owner = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="rank_lists")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "owner"], name="one_rank_list_per_round")]

    def __str__(self) -> str:
        return f"Rank list of {self.owner.applicant} in {self.round}"


class RankEntry(models.Model):
    rank_list = models.ForeignKey(RankList, on_delete=models.CASCADE, related_name="entries")
    candidate = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(help_text="1 is the first choice.")

    class Meta:
        ordering = ["rank_list", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rank_list", "candidate"], name="rank_entry_candidate_once"),
            models.UniqueConstraint(fields=["rank_list", "position"], name="rank_entry_position_once"),
            models.CheckConstraint(condition=Q(position__gte=1), name="rank_entry_position_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.candidate.applicant}"


class Verdict(models.TextChoices):
    HAPPY = "happy", "Happy to mentor"
    RATHER_NOT = "rather_not", "Rather not"


class MentorVerdict(models.Model):
    """A mentor's answer about a mentee who ranked them, in programs whose
    mentors mark rather than rank."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="mentor_verdicts")
    mentor = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    mentee = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "mentor", "mentee"], name="one_verdict_per_pair_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentor.applicant} on {self.mentee.applicant}: {self.get_verdict_display()}"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Waiting for the mentor"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired (no answer)"
    WITHDRAWN = "withdrawn", "Withdrawn by the mentee"


class MentorRequest(models.Model):
    """A waiting mentee's request for one mentor with places left, after a
    round is published (rolling intake). Accepting publishes a match."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="mentor_requests")
    mentee = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="requests_made")
    mentor = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="requests_received")
    message = models.TextField("a note to the mentor", blank=True, max_length=1000)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(
        "why the mentor declined",
        blank=True,
        max_length=1000,
        help_text="For coordinators only; the mentee is not told.",
    )
    match = models.OneToOneField(
        Match, on_delete=models.SET_NULL, null=True, blank=True, related_name="request"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentee"], condition=Q(status=RequestStatus.OPEN), name="one_open_request_per_mentee"
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.mentee.applicant} asks {self.mentor.applicant}"
