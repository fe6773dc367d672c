"""Events matching announces to the apps above it (mentoring). They subscribe
in their ``AppConfig.ready``; matching never imports them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by services._publish for each match it publishes (a round's draft, a
# late applicant paired by hand, or any other path that publishes through
# it), inside the publishing transaction, after the match is saved as
# published and the introductions are queued: what a receiver writes commits
# or rolls back with the publication, and an exception from a receiver
# undoes it (mentoring creates the match's agreement here).
# Sender: the Match class.
# Arguments: match (published, with round__program, mentee and mentor loaded), by.
match_published = Signal()

# Sent by services.match_end after a published match is ended, inside its
# transaction (after the applications have moved): mentoring closes the
# pair's open requests to the coordinators here.
# Sender: the Match class.
# Arguments: match (ended), rematch (the mentee goes back on the waitlist),
# by (who ended it; None for the system).
match_ended = Signal()
