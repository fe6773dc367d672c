"""Reports in the admin: *Reports → Program reports* lists the programs the
user may administer, each with a link to its report; the report and its
workbook are views of this admin (``get_urls``). Nothing here is added,
changed or deleted."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html

from mentorship.admin import TamperProofAdminMixin
from programs import access

from . import views
from .models import ProgramReport


@admin.register(ProgramReport)
class ProgramReportAdmin(TamperProofAdminMixin, admin.ModelAdmin):
    list_display = ["name", "report_link"]
    list_display_links = None
    search_fields = ["name"]

    def get_queryset(self, request):
        return access.programs_for(request.user)

    @admin.display(description="Report")
    def report_link(self, obj):
        url = reverse("admin:reports_programreport_report", args=[obj.pk])
        return format_html('<a href="{}">Report of {}</a>', url, obj.name)

    def has_module_permission(self, request):
        # Everyone with admin access (no query, so no admin page pays for the
        # sidebar entry); the list then holds only the programs they
        # administer, and each report asks programs.access again.
        return access.user_has_admin_access(request.user)

    def has_view_permission(self, request, obj=None):
        if obj is not None:
            return access.user_coordinates(request.user, obj)
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("", wrap(self.changelist_view), name="reports_programreport_changelist"),
            path("<int:program_id>/", wrap(views.program_report), name="reports_programreport_report"),
            path(
                "<int:program_id>/report.xlsx",
                wrap(views.program_report_xlsx),
                name="reports_programreport_xlsx",
            ),
        ]
