from django.contrib import admin, messages

from mentorship.admin import TamperProofAdminMixin

from .models import OutgoingEmail
from .services import email_resend


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(TamperProofAdminMixin, admin.ModelAdmin):
    list_display = ["subject", "to", "kind", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["to", "subject"]
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]
    actions = ["resend"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return (
            request.user.is_superuser
            or request.user.is_staff
            and request.user.has_perm("notifications.view_outgoingemail")
        )

    @admin.action(description="Send the selected emails again (those not yet sent)")
    def resend(self, request, queryset):
        count = email_resend(email_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} email(s) queued again.", messages.SUCCESS)
