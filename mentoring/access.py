"""Who opens a match's pages in the mentorship year: the pair-level rules.

- The pair (the mentee's and the mentor's applicants) open their match's home,
  published or ended; they write (confirm, log meetings, ask) only while it is
  published: an ended match is their history, read-only.
- The program's coordinators (and site staff), as ``programs.access`` says,
  open it read-only: they see progress, the agreement's dates and the pair's
  requests, never a meeting's note.
- Anyone else, and any match that was never published, gets a 404: the page
  does not say whether the match exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from matching.models import Match, MatchStatus
from programs.access import user_coordinates

MENTEE, MENTOR, COORDINATOR = "mentee", "mentor", "coordinator"


@dataclass(frozen=True)
class MatchAccess:
    """A match as one person may see it."""

    match: Match
    role: str  # MENTEE, MENTOR or COORDINATOR

    @property
    def in_pair(self) -> bool:
        return self.role in (MENTEE, MENTOR)

    @property
    def reads_notes(self) -> bool:
        """Meeting notes are the pair's: coordinators never read them."""
        return self.in_pair

    @property
    def may_write(self) -> bool:
        """The pair, while the match is published (an ended one is read-only)."""
        return self.in_pair and self.match.status == MatchStatus.PUBLISHED

    @property
    def user(self):
        """The person looking, when they are one of the pair."""
        if self.role == MENTEE:
            return self.match.mentee.applicant
        return self.match.mentor.applicant if self.role == MENTOR else None

    @property
    def other(self):
        """The other person of the pair (for the pair only)."""
        if self.role == MENTEE:
            return self.match.mentor.applicant
        return self.match.mentee.applicant if self.role == MENTOR else None


def role_in(user, match: Match) -> str | None:
    """``user``'s part in ``match``: mentee, mentor, coordinator, or None."""
    if not (user.is_authenticated and user.is_active):
        return None
    if match.mentee.applicant_id == user.pk:
        return MENTEE
    if match.mentor.applicant_id == user.pk:
        return MENTOR
    if user_coordinates(user, match.round.program):
        return COORDINATOR
    return None


def match_for(user, match_id: int) -> MatchAccess:
    """The published or ended match ``match_id`` as ``user`` may see it, or 404."""
    match = (
        Match.objects.filter(status__in=[MatchStatus.PUBLISHED, MatchStatus.ENDED])
        .select_related("round__program", "round__tier", "mentee__applicant", "mentor__applicant")
        .filter(pk=match_id)
        .first()
    )
    role = role_in(user, match) if match else None
    if role is None:
        raise Http404("No such mentorship.")
    return MatchAccess(match=match, role=role)


def match_for_pair(user, match_id: int) -> MatchAccess:
    """As ``match_for``, for the pages only the pair use (writing, asking):
    404 for coordinators too."""
    access = match_for(user, match_id)
    if not access.in_pair:
        raise Http404("No such mentorship.")
    return access
