"""Matching's side of the events applications announces (connected in
``MatchingConfig.ready``)."""

from __future__ import annotations

from django.template.defaultfilters import pluralize

from applications.models import Role
from applications.signals import WithdrawalConsequence

from . import mentor_requests, selectors, services


def application_status_changed(sender, application, from_status, event, **kwargs) -> None:
    # Runs inside application_transition's transaction.
    services.application_status_changed(application=application, from_status=from_status, event=event)
    if application.role == Role.MENTEE and application.status not in selectors.WAITLIST_STATUSES:
        # No longer waiting: an open request to a mentor closes (accepting it has already closed it).
        mentor_requests.mentor_requests_close_for(mentee=application)
    elif application.role == Role.MENTOR and application.status not in selectors.MENTOR_STATUSES:
        # A mentor who left answers no more requests: the mentees move on.
        mentor_requests.mentor_requests_close_for_mentor(mentor=application)


def withdrawal_ends_mentorships(sender, application, **kwargs) -> WithdrawalConsequence | None:
    """Withdrawing ends the applicant's published matches: name the people
    whose mentorship ends (the other side of each)."""
    partners = [
        match.mentor.applicant if match.mentee_id == application.pk else match.mentee.applicant
        for match in selectors.published_matches_of(application)
    ]
    if not partners:
        return None
    names = ", ".join(p.name or p.email for p in partners)
    return WithdrawalConsequence(
        template="matching/_withdrawal_ends_mentorship.html",
        context={"partners": partners},
        confirm_label=f"end the mentorship{pluralize(len(partners))}",
        done_message=f"Your mentorship with {names} has ended; we have told them and the coordinators.",
    )
