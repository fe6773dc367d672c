"""allauth's emails (verification, password reset) go through the
outgoing-email table like every other email."""

from __future__ import annotations

from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from accounts.adapters import AccountAdapter as AccountsAdapter

from .services import email_queue_message


class AccountAdapter(AccountsAdapter):
    """The site's allauth account adapter (settings.ACCOUNT_ADAPTER): accounts'
    adapter, with its emails queued here, since accounts may not import
    notifications."""

    def send_mail(self, template_prefix, email, context):
        """Route allauth's emails (verification, password reset) through the
        outgoing-email table so they are retried and visible in the admin."""
        # allauth's templates greet and sign with the site's name and domain;
        # its own send_mail adds them, so this one must too.
        request = allauth_context.request
        context = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        message = self.render_mail(template_prefix, email, context)
        html = next((content for content, mimetype in message.alternatives if mimetype == "text/html"), "")
        email_queue_message(
            to=email,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            kind=template_prefix.rsplit("/", 1)[-1],
        )
