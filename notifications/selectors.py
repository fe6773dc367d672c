"""Reads of outgoing email for the admin."""

from __future__ import annotations

import re

# Links that sign someone in (set a password, confirm an address): whoever
# reads them can take the account before the person does.
_SIGN_IN_LINK = re.compile(r"(/accounts/(?:password/reset/key|confirm-email)/)[^\s\"'<>]+")
HIDDEN = "(link hidden: it signs the person in)"


def email_text_for_staff(text: str) -> str:
    """An email's text as the admin shows it: sign-in links hidden."""
    return _SIGN_IN_LINK.sub(lambda match: match.group(1) + HIDDEN, text)
