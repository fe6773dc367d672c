from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from mentorship.admin import TamperProofAdminMixin
from mentorship.xlsx import xlsx_response

from .exports import import_template_sheets
from .forms import ImportConfirmForm, ImportUploadForm, OpportunityAdminForm, RejectForm
from .importer import ImportFileError
from .models import ChangeSource, ExportJob, Opportunity, OpportunityChange, Suggestion
from .services.history import (
    TRACKED_FIELDS,
    OpportunityDuplicate,
    diff_snapshots,
    opportunity_apply,
    opportunity_snapshot,
)
from .services.imports import (
    ImportUploadError,
    ImportUploadNotOurs,
    import_upload_confirm,
    import_upload_path,
    import_upload_preview,
    import_upload_store,
)
from .services.suggestions import (
    SuggestionAlreadyReviewed,
    suggestion_approve,
    suggestion_outcome_preview,
    suggestion_reject,
)


class OpportunityChangeInline(admin.TabularInline):
    model = OpportunityChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "source", "changed_by", "created", "changed_fields", "note"]
    readonly_fields = fields
    verbose_name_plural = "history"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="changes")
    def changed_fields(self, change):
        return format_html_join(
            "",
            "<div><strong>{}</strong>: {} → {}</div>",
            ((k, v[0], v[1]) for k, v in change.changes.items()),
        )


@admin.register(Opportunity)
class OpportunityAdmin(TamperProofAdminMixin, admin.ModelAdmin):
    form = OpportunityAdminForm
    list_display = [
        "name",
        "kind",
        "host_name",
        "host_type",
        "deadline",
        "is_rolling",
        "last_verified",
        "is_published",
    ]
    list_filter = ["is_published", "kind", "host_type", "format", "is_rolling"]
    search_fields = ["name", "host_name", "description"]
    filter_horizontal = ["specialties", "eligible_learners"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [OpportunityChangeInline]
    change_list_template = "admin/opportunities/opportunity/change_list.html"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "kind", "host_type", "host_name", "is_published"]}),
        ("Who and what", {"fields": ["specialties", "eligible_learners", "description", "how_to_join"]}),
        (
            "Details",
            {
                "fields": [
                    "website",
                    "contact_email",
                    "deadline",
                    "deadline_precision",
                    "is_rolling",
                    "cost",
                    "format",
                ]
            },
        ),
        ("Upkeep", {"fields": ["last_verified", "created_at", "updated_at"]}),
    ]

    # Admin edits are written like every other change to an opportunity,
    # through ``opportunity_apply``: the natural-key check, the many-to-many
    # fields and the line in the record's history.

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in TRACKED_FIELDS if name in form.cleaned_data}
        saved, _ = opportunity_apply(
            opportunity=Opportunity.objects.get(pk=obj.pk) if change else None,
            values=values,
            source=ChangeSource.ADMIN,
            user=request.user,
        )
        # The admin carries on with ``obj`` (its log entry, the redirect).
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # The many-to-many fields were written by ``opportunity_apply``; only
        # the inlines are left (the history inline is read-only).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="opportunities_opportunity_import",
            ),
            path(
                "import/template.xlsx",
                self.admin_site.admin_view(self.import_template_view),
                name="opportunities_opportunity_import_template",
            ),
            *super().get_urls(),
        ]

    def _check_import_permission(self, request):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied

    def import_template_view(self, request):
        """An empty workbook with the columns, an example row and a sheet of
        the spellings the import accepts."""
        self._check_import_permission(request)
        return xlsx_response(import_template_sheets(), filename="opportunities-import-template.xlsx")

    def import_view(self, request):
        """Upload → preview (each row's values, old → new for updates, the
        warnings and refusals) → confirm, choosing whether new entries are
        published. The upload is kept by the import services under a token
        the preview page carries."""
        self._check_import_permission(request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import the spreadsheet",
            "limits": {
                "rows": settings.IMPORT_MAX_ROWS,
                "megabytes": settings.IMPORT_MAX_UPLOAD_BYTES // 2**20,
            },
        }
        if request.method == "POST" and "token" in request.POST:
            return self._import_confirm(request)
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            token = import_upload_store(file=form.cleaned_data["file"])
            try:
                report = import_upload_preview(token=token)
            except ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                context.update(
                    report=report,
                    token=token,
                    filename=form.cleaned_data["file"].name,
                    confirm_form=ImportConfirmForm(initial={"token": token}),
                )
                return TemplateResponse(
                    request, "admin/opportunities/opportunity/import_preview.html", context
                )
        context["form"] = form
        return TemplateResponse(request, "admin/opportunities/opportunity/import.html", context)

    def _import_confirm(self, request):
        try:
            import_upload_path(token=request.POST["token"])
        except ImportUploadNotOurs as exc:
            raise Http404(str(exc)) from None
        form = ImportConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose whether new entries are published, then confirm again.")
            return redirect("admin:opportunities_opportunity_import")
        publish = form.cleaned_data["publish"] == "publish"
        try:
            report = import_upload_confirm(
                token=form.cleaned_data["token"], publish=publish, user=request.user
            )
        except ImportUploadError as exc:
            messages.error(request, str(exc))
            return redirect("admin:opportunities_opportunity_import")
        except ImportFileError as exc:
            messages.error(request, f"Nothing was imported. {exc}")
            return redirect("admin:opportunities_opportunity_import")
        counts = report.counts
        messages.success(
            request,
            f"Imported: {counts['create']} created{'' if publish else ' as drafts'}, "
            f"{counts['update']} updated, {counts['unchanged']} unchanged, {counts['refused']} refused.",
        )
        return redirect("admin:opportunities_opportunity_changelist")


@admin.register(Suggestion)
class SuggestionAdmin(TamperProofAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "suggested_by", "created_at", "status"]
    list_filter = ["status"]
    search_fields = ["suggested_by__email", "opportunity__name", "message"]
    readonly_fields = [
        "opportunity",
        "suggested_by",
        "created_at",
        "message",
        "proposed_changes",
        "status",
        "reviewed_by",
        "reviewed_at",
        "rejection_reason",
    ]
    fields = readonly_fields
    change_form_template = "admin/opportunities/suggestion/change_form.html"

    def has_add_permission(self, request):
        return False

    @admin.display(description="proposed changes")
    def proposed_changes(self, suggestion):
        current = opportunity_snapshot(suggestion.opportunity) if suggestion.opportunity_id else {}
        changes = diff_snapshots(current, suggestion.proposed)
        if not changes:
            return "No difference from the current entry."
        rows = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>",
            ((name, "" if old is None else old, new) for name, (old, new) in changes.items()),
        )
        return format_html(
            "<table><thead><tr><th scope='col'>Field</th><th scope='col'>Now</th>"
            "<th scope='col'>Proposed</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(self.review_view),
                name="opportunities_suggestion_review",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "reject_form": RejectForm()}
        return super().change_view(request, object_id, form_url, extra_context)

    def _reject_form_again(self, request, suggestion, form):
        """A rejection without a usable reason: its form again, with the error."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "suggestion": suggestion,
            "reject_form": form,
            "title": "Reject suggestion",
        }
        return render(request, "admin/opportunities/suggestion/reject.html", context, status=400)

    def _confirm_review(self, request, suggestion, decision: str):
        """Before approving or rejecting: whom the decision emails, and the
        email. A rejection without a reason goes back to its form."""
        reason = ""
        if decision == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                return self._reject_form_again(request, suggestion, form)
            reason = form.cleaned_data["reason"]
        status = Suggestion.Status.APPROVED if decision == "approve" else Suggestion.Status.REJECTED
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": suggestion,
            "title": f"Check before sending: {'approve' if decision == 'approve' else 'reject'} the suggestion",
            "preview": suggestion_outcome_preview(suggestion=suggestion, status=status, reason=reason),
            "preview_to": suggestion.suggested_by,
            "hidden": [("decision", decision), ("reason", reason), ("confirm", "yes")],
            "button": "Approve, apply and send the email"
            if decision == "approve"
            else "Reject and send the email",
        }
        return render(request, "admin/opportunities/suggestion/confirm_review.html", context)

    def review_view(self, request, pk):
        """POST decision=approve, or decision=reject with a reason: first the
        page that shows the email, then (with confirm=yes) the decision."""
        if request.method != "POST":
            return redirect("admin:opportunities_suggestion_change", pk)
        suggestion = Suggestion.objects.filter(pk=pk).first()
        if suggestion is None:
            raise Http404
        if not self.has_change_permission(request, suggestion):
            raise PermissionDenied
        decision = request.POST.get("decision")
        if decision in ("approve", "reject") and request.POST.get("confirm") != "yes":
            return self._confirm_review(request, suggestion, decision)
        try:
            if decision == "approve":
                opportunity = suggestion_approve(suggestion_id=pk, reviewer=request.user)
                messages.success(
                    request, f"Approved: “{opportunity.name}” is updated and the person was emailed."
                )
            elif decision == "reject":
                form = RejectForm(request.POST)
                if not form.is_valid():
                    return self._reject_form_again(request, suggestion, form)
                suggestion_reject(suggestion_id=pk, reviewer=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, "Rejected; the person was emailed the reason.")
            else:
                messages.error(request, "Choose approve or reject.")
        except (SuggestionAlreadyReviewed, OpportunityDuplicate) as exc:
            messages.error(request, str(exc))
        return redirect(reverse("admin:opportunities_suggestion_change", args=[pk]))


@admin.register(ExportJob)
class ExportJobAdmin(TamperProofAdminMixin, admin.ModelAdmin):
    list_display = ["id", "requested_by", "status", "rows_written", "total_rows", "created_at", "expires_at"]
    list_filter = ["status"]
    # The file is not under a served URL: it is downloaded through the
    # site's view, which checks who may have it.
    readonly_fields = [f.name if f.name != "file" else "download" for f in ExportJob._meta.fields]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="file")
    def download(self, job):
        if job.status != ExportJob.Status.DONE or not job.file:
            return "—"
        return format_html(
            '<a href="{}">Download</a>', reverse("opportunities:export_download", args=[job.pk])
        )
