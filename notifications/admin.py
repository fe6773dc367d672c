from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import ngettext

from mentorship.admin import TamperProofAdminMixin
from programs import access

from .models import OutgoingEmail
from .selectors import email_text_for_staff
from .services import email_resend, email_resendable


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(TamperProofAdminMixin, admin.ModelAdmin):
    """Superusers see every email; a coordinator sees (and may re-send) the
    emails about the programs they coordinate, and no account emails."""

    list_display = ["subject", "to", "kind", "program", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind", "created_at"]
    list_select_related = ["program"]
    search_fields = ["to", "subject"]
    # The bodies are shown with sign-in links hidden: staff need to see what
    # was sent, not to be able to use a person's password-reset link.
    exclude = ["body_text", "body_html"]
    readonly_fields = [
        *(f.name for f in OutgoingEmail._meta.fields if f.name not in ("body_text", "body_html")),
        "text_as_sent",
    ]

    @admin.display(description="Text")
    def text_as_sent(self, email):
        return email_text_for_staff(email.body_text)

    actions = ["resend"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        # Account emails have no program: they are for site staff only.
        return access.narrowed(super().get_queryset(request), request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return access.user_is_site_staff(request.user) or (
            access.user_has_admin_access(request.user)
            and request.user.has_perm("notifications.view_outgoingemail")
        )

    @admin.action(description="Send the selected emails again (failed ones, or stuck while sending)")
    def resend(self, request, queryset):
        """First a page with who will be emailed and the first email as it
        stands; on Confirm (which posts exactly the emails listed) re-send."""
        selected = queryset.count()
        resendable = list(email_resendable(queryset).order_by("pk"))
        if resendable and request.POST.get("confirm") != "yes":
            hidden = [(helpers.ACTION_CHECKBOX_NAME, str(e.pk)) for e in resendable]
            hidden += [("action", "resend"), ("select_across", "0"), ("index", "0"), ("confirm", "yes")]
            context = {
                **self.admin_site.each_context(request),
                "title": "Check before sending again",
                "opts": self.model._meta,
                "emails": resendable,
                "first": resendable[0],
                "first_text": email_text_for_staff(resendable[0].body_text),
                "refused": selected - len(resendable),
                "hidden": hidden,
                "button": f"Confirm: send {len(resendable)} {ngettext('email', 'emails', len(resendable))} again",
                "cancel_url": request.get_full_path(),
            }
            return TemplateResponse(request, "admin/notifications/outgoingemail/confirm_resend.html", context)
        count = email_resend(email_ids=[e.pk for e in resendable])
        if count:
            self.message_user(
                request, f"{count} {ngettext('email', 'emails', count)} queued again.", messages.SUCCESS
            )
        if selected > count:
            self.message_user(
                request,
                f"{selected - count} {ngettext('email', 'emails', selected - count)} not re-sent: "
                "only failed emails, or emails stuck while sending, can be sent again "
                "(pending ones will go by themselves; sent ones went).",
                messages.WARNING,
            )
        return None
