"""Events applications announces to the apps above it. They subscribe in their
``AppConfig.ready``; applications never imports them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.dispatch import Signal

# Sent by services.application_transition after every status change, inside
# its transaction: what a receiver writes commits or rolls back with the change,
# and an exception from a receiver undoes the change (matching ends the
# person's published matches here, and tells coordinators about new places).
# Sender: the Application class.
# Arguments: application (the changed row, locked), from_status, event (a key
# unique to this change, the StatusChange's pk, for receivers' dedup keys).
application_status_changed = Signal()

# Sent by selectors.withdrawal_consequences when an applicant is about to
# withdraw, to learn what else the withdrawal would end; nothing may change.
# Sender: the Application class.
# Arguments: application.
# A receiver returns a WithdrawalConsequence, or None when there is none.
withdrawal_asked = Signal()


@dataclass(frozen=True)
class WithdrawalConsequence:
    """Something a withdrawal would also end, told before and after it.

    ``template`` is a partial shown as a warning on the confirmation page, with
    ``context`` (and the ``application``); ``confirm_label`` completes the
    button ("Withdraw and <confirm_label>"); ``done_message`` is added to the
    message shown once the application is withdrawn."""

    template: str
    confirm_label: str
    done_message: str
    context: dict[str, Any] = field(default_factory=dict)
