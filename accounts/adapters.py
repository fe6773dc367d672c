from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.sites.shortcuts import get_current_site

from notifications.services import email_queue_message


class AccountAdapter(DefaultAccountAdapter):
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


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        full = " ".join(part for part in (data.get("first_name"), data.get("last_name")) if part)
        if full and not user.name:
            user.name = full
        return user
