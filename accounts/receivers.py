"""Reactions to allauth's events."""

from __future__ import annotations

from allauth.account.models import EmailAddress


def password_reset_verifies_address(sender, request, user, **kwargs) -> None:
    """A password set from an emailed reset link (or code) proves the person
    reads the mail of the address it went to, so that address is verified.

    allauth does not do this itself; without it a coordinator invited by email
    (who sets their first password from such a link) could not sign in while
    ACCOUNT_EMAIL_VERIFICATION is mandatory. The reset could have been sent to
    any address of the account, so only an account with a single address (its
    login address) is verified this way."""
    addresses = list(EmailAddress.objects.filter(user=user))
    if not addresses and user.email:
        # An account made outside allauth (createsuperuser, the shell).
        addresses = [EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)]
    if len(addresses) == 1 and addresses[0].email.lower() == user.email.lower():
        addresses[0].set_verified(commit=True)
