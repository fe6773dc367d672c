"""The coordinators' console for applications.

Coordinators see only the applications of the programs they coordinate (site
staff see all); self-identification is shown only to that program's
coordinators, never in list columns, filters, search or emails. The rules are
``programs.access``'s."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter, helpers
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import capfirst, slugify
from django.utils.translation import ngettext

from mentorship.admin import ReadOnlyAdminMixin, TamperProofAdminMixin
from mentorship.xlsx import xlsx_response
from programs import access
from programs.models import Program

from . import services
from .exports import application_sheet
from .forms import ExportForm
from .models import (
    Answer,
    Application,
    ApplicationExport,
    IdentityDimension,
    IdentityDisclosure,
    Question,
    Role,
    Status,
    StatusChange,
)


class ReadOnlyInline(ReadOnlyAdminMixin):
    """An inline that shows rows and never adds, changes or deletes them."""

    extra = 0
    can_delete = False


class NotFoundMixin:
    """A 404 rather than the admin's "does not exist" redirect, for rows of
    other programs as for missing ones."""

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such row.")
        return obj


class StatusChangeInline(ReadOnlyInline, admin.TabularInline):
    model = StatusChange
    verbose_name = "status change"
    verbose_name_plural = "history"
    fields = ["changed_at", "from_status", "to_status", "changed_by", "note"]
    readonly_fields = fields
    ordering = ["changed_at", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class AnswerInline(ReadOnlyInline, admin.TabularInline):
    model = Answer
    verbose_name_plural = "answers to the program's questions"
    fields = ["question", "answer"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question")

    @admin.display(description="Answer")
    def answer(self, obj):
        return obj.display_value


class IdentityInline(ReadOnlyInline, admin.StackedInline):
    """Only ever added for the program's own coordinators (see get_inlines)."""

    model = IdentityDisclosure
    verbose_name = "self-identification (visible to this program's coordinators only)"
    verbose_name_plural = verbose_name
    fields = [
        "dimensions",
        "self_described",
        "consent_to_matching",
        "consent_to_reporting",
        "wants_shared_identity",
        "updated_at",
    ]
    readonly_fields = fields


class ApplicationAdminForm(forms.ModelForm):
    new_status = forms.ChoiceField(
        label="Change the status to",
        required=False,
        help_text="The applicant is emailed about the change, with the note below.",
    )
    status_note = forms.CharField(
        label="Note to the applicant",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. Sent in the email and kept in the history.",
    )

    class Meta:
        model = Application
        fields = ["waitlist_rank"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = [s for s in Status if self.instance.pk and self.instance.can_move_to(s)]
        self.fields["new_status"].choices = [
            ("", "Keep it " + self.instance.get_status_display().lower())
        ] + [(s.value, s.label) for s in allowed]

    def clean(self):
        data = super().clean()
        if data.get("status_note") and not data.get("new_status"):
            self.add_error("status_note", "A note goes with a status change: choose the new status too.")
        return data


def _without_rows(nested: list, prefixes: tuple[str, ...]) -> list:
    """A nested list of ``get_deleted_objects`` (each row, then a list of the
    rows it takes with it) without the rows whose text starts with one of
    ``prefixes``, and without what they take with them."""
    kept: list = []
    skipping = False
    for item in nested:
        if isinstance(item, list):
            if not skipping:
                children = _without_rows(item, prefixes)
                if children:
                    kept.append(children)
            skipping = False
        elif str(item).startswith(prefixes):
            skipping = True
        else:
            kept.append(item)
            skipping = False
    return kept


@admin.register(Application)
class ApplicationAdmin(
    NotFoundMixin, access.ProgramScopedAdminMixin, TamperProofAdminMixin, admin.ModelAdmin
):
    form = ApplicationAdminForm
    list_display = [
        "applicant_name",
        "applicant_email",
        "program",
        "role",
        "tier_name",
        "learner_type",
        "status",
        "submitted_at",
    ]
    list_display_links = ["applicant_name"]
    list_select_related = ["applicant", "program", "tier", "learner_type"]
    list_filter = [
        "status",
        "role",
        ("program", RelatedOnlyFieldListFilter),
        ("tier", RelatedOnlyFieldListFilter),
        ("learner_type", RelatedOnlyFieldListFilter),
        ("specialties", RelatedOnlyFieldListFilter),
        "submitted_at",
    ]
    search_fields = ["applicant__name", "applicant__email"]
    list_per_page = 50
    actions = ["mark_under_review", "accept", "waitlist", "decline", "export_xlsx"]
    readonly_fields = [
        "applicant_name",
        "applicant_email",
        "program",
        "role",
        "tier",
        "status",
        "submitted_at",
        "updated_at",
        "status_changed_at",
        "accepted_at",
        "learner_type",
        "year",
        "mentor_role",
        "department",
        "hospital_site",
        "capacity",
        "specialty_list",
        "outcome_list",
        "meeting_format",
        "meeting_frequency",
        "availability_list",
        "hopes",
    ]
    inlines = [AnswerInline, StatusChangeInline]  # and IdentityInline, see get_inlines

    # --- Who sees what -------------------------------------------------

    def lookup_allowed(self, lookup, value, request):
        # Self-identification is never a filter, not even through a
        # hand-written query string such as ?identity__isnull=False.
        if lookup.split("__", 1)[0] == "identity":
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request):
        return False  # applications come from the site's forms

    def has_delete_permission(self, request, obj=None):
        # Applications are withdrawn or declined, not deleted; staff may clean up.
        return access.user_is_site_staff(request.user)

    def get_deleted_objects(self, objs, request):
        """Django's list of what a deletion takes with it, without the
        self-identification rows: "Identity disclosures: 1" would tell staff
        who do not coordinate the program that the person gave one. They are
        deleted all the same (the cascade does not depend on this list)."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        hidden = [IdentityDisclosure._meta, IdentityDisclosure.dimensions.through._meta]
        for opts in hidden:
            counts.pop(opts.verbose_name_plural, None)
            perms_needed.discard(opts.verbose_name)
        prefixes = tuple(f"{capfirst(opts.verbose_name)}:" for opts in hidden)
        return _without_rows(deleted, prefixes), counts, perms_needed, protected

    def get_fieldsets(self, request, obj=None):
        summary = [
            ("applicant_name", "applicant_email"),
            ("program", "role", "tier"),
            ("status", "status_changed_at", "accepted_at"),
            ("submitted_at", "updated_at"),
        ]
        if obj is not None and obj.role == Role.MENTOR:
            about = [("mentor_role", "year", "learner_type"), "department", ("hospital_site", "capacity")]
            meeting = ["meeting_format", "availability_list"]
        else:
            about = [("learner_type", "year")]
            meeting = [("meeting_format", "meeting_frequency"), "availability_list", "hopes"]
        return [
            (None, {"fields": summary}),
            ("About them", {"fields": [*about, "specialty_list", "outcome_list"]}),
            (
                "Meeting" if obj is not None and obj.role == Role.MENTOR else "Meeting and hopes",
                {"fields": meeting},
            ),
            ("Review", {"fields": ["new_status", "status_note", "waitlist_rank"]}),
        ]

    def get_list_display(self, request):
        # A coordinator of a single program does not need its name on every row.
        columns = list(super().get_list_display(request))
        if not hasattr(request, "_coordinates_one_program"):
            request._coordinates_one_program = (
                not access.user_is_site_staff(request.user) and access.programs_for(request.user).count() <= 1
            )
        if request._coordinates_one_program:
            columns.remove("program")
        return columns

    def get_inlines(self, request, obj):
        inlines = [AnswerInline, StatusChangeInline]
        if obj is not None and access.user_sees_identity(request.user, obj.program):
            inlines.insert(1, IdentityInline)
        return inlines

    # --- Columns -------------------------------------------------------

    @admin.display(description="Name", ordering="applicant__name")
    def applicant_name(self, obj):
        return obj.applicant.name or obj.applicant.email

    @admin.display(description="Email", ordering="applicant__email")
    def applicant_email(self, obj):
        return obj.applicant.email

    @admin.display(description="Tier", ordering="tier__number")
    def tier_name(self, obj):
        return obj.tier.name if obj.tier_id else "—"

    @admin.display(description="Specialties")
    def specialty_list(self, obj):
        return ", ".join(s.name for s in obj.specialties.all()) or "—"

    @admin.display(description="Outcomes")
    def outcome_list(self, obj):
        return "; ".join(o.text for o in obj.outcomes.all()) or "—"

    @admin.display(description="Availability")
    def availability_list(self, obj):
        return ", ".join(obj.availability_display) or "—"

    # --- Saving: a status change goes through the lifecycle service --------

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        new_status = form.cleaned_data.get("new_status")
        if new_status:
            try:
                services.application_transition(
                    application=obj,
                    to_status=new_status,
                    by=request.user,
                    note=form.cleaned_data.get("status_note", ""),
                )
            except services.InvalidTransition as exc:
                self.message_user(request, exc.messages[0], messages.ERROR)

    # --- Confirmation before a status change emails anyone -------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A status change from the change form first shows the email the
        applicant will get; the form's data is posted again, with
        ``_confirm_status``, when the coordinator confirms. Nothing is saved
        before that."""
        wants_change = request.method == "POST" and object_id and request.POST.get("new_status")
        if wants_change and request.POST.get("_confirm_status") != "yes":
            obj = self.get_object(request, object_id)
            if not self.has_change_permission(request, obj):
                raise PermissionDenied
            form = self.get_form(request, obj, change=True)(request.POST, request.FILES, instance=obj)
            if form.is_valid():
                data = form.cleaned_data
                hidden = [
                    (name, value)
                    for name in request.POST
                    if name != "csrfmiddlewaretoken"
                    for value in request.POST.getlist(name)
                ]
                return self._confirm_status(
                    request,
                    [obj],
                    to_status=data["new_status"],
                    note=data.get("status_note", ""),
                    hidden=[*hidden, ("_confirm_status", "yes")],
                    cancel_url=request.path,
                )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _confirm_status(self, request, applications, *, to_status, note="", hidden, cancel_url, refused=()):
        """The page that lists who will be emailed about a status change, with
        the first applicant's email rendered (nothing is queued), and posts
        ``hidden`` back on Confirm."""
        first = applications[0]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Check before sending: {Status(to_status).label.lower()}",
            "opts": self.model._meta,
            "applications": applications,
            "refused": refused,
            "status_label": Status(to_status).label.lower(),
            "preview": services.application_status_email_preview(
                application=first, to_status=to_status, note=note
            ),
            "preview_to": first.applicant,
            "hidden": hidden,
            "button": f"Confirm: change {len(applications)} and send {len(applications)} "
            f"{ngettext('email', 'emails', len(applications))}",
            "cancel_url": cancel_url,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/applications/application/confirm_status.html", context)

    # --- Bulk actions --------------------------------------------------

    def _bulk(self, request, queryset, to_status: str, verb: str):
        """Show who will be emailed and the email first; on Confirm (which
        posts exactly the applications listed) move them."""
        applications = list(queryset.select_related("applicant", "program", "tier"))
        if request.POST.get("confirm") != "yes":
            movable = [a for a in applications if a.can_move_to(to_status)]
            if movable:
                action = request.POST.get("action", "")
                hidden = [(helpers.ACTION_CHECKBOX_NAME, str(a.pk)) for a in movable]
                hidden += [("action", action), ("select_across", "0"), ("index", "0"), ("confirm", "yes")]
                return self._confirm_status(
                    request,
                    movable,
                    to_status=to_status,
                    hidden=hidden,
                    cancel_url=request.get_full_path(),
                    refused=[a for a in applications if not a.can_move_to(to_status)],
                )
        moved, refused = services.applications_bulk_transition(
            applications=applications, to_status=to_status, by=request.user
        )
        if moved:
            self.message_user(
                request,
                f"{len(moved)} {ngettext('application', 'applications', len(moved))} {verb}; "
                f"the {ngettext('applicant is', 'applicants are', len(moved))} being emailed.",
                messages.SUCCESS,
            )
        if refused:
            details = "; ".join(f"{application}: {reason}" for application, reason in refused)
            self.message_user(
                request,
                f"{len(refused)} {ngettext('application', 'applications', len(refused))} could not be {verb}. {details}",
                messages.WARNING,
            )
        return None

    @admin.action(description="Mark the selected applications as under review", permissions=["change"])
    def mark_under_review(self, request, queryset):
        return self._bulk(request, queryset, Status.UNDER_REVIEW, "marked as under review")

    @admin.action(description="Accept the selected applications", permissions=["change"])
    def accept(self, request, queryset):
        return self._bulk(request, queryset, Status.ACCEPTED, "accepted")

    @admin.action(description="Waitlist the selected applications", permissions=["change"])
    def waitlist(self, request, queryset):
        return self._bulk(request, queryset, Status.WAITLISTED, "waitlisted")

    @admin.action(description="Decline the selected applications", permissions=["change"])
    def decline(self, request, queryset):
        return self._bulk(request, queryset, Status.DECLINED, "declined")

    @admin.action(description="Export the selected applications to Excel", permissions=["view"])
    def export_xlsx(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        select_across = request.POST.get("select_across") == "1"
        if not select_across:
            # Ids outside the coordinator's programs were filtered out of the
            # queryset; asking for them at all is refused, not silently dropped.
            visible = {str(pk) for pk in queryset.values_list("pk", flat=True)}
            if not visible or any(pk not in visible for pk in selected):
                raise PermissionDenied
        program_ids = set(queryset.values_list("program_id", flat=True))
        programs = list(Program.objects.filter(pk__in=program_ids))
        may_include_identity = bool(program_ids) and program_ids <= access.identity_program_ids(request.user)
        form = ExportForm(request.POST if "confirm" in request.POST else None)
        if not may_include_identity:
            del form.fields["include_identity"]
        if "confirm" in request.POST and form.is_valid():
            include_identity = bool(form.cleaned_data.get("include_identity"))
            services.application_export_record(
                by=request.user, applications=queryset, included_identity=include_identity
            )
            names = "-".join(slugify(p.name) for p in programs)[:60] or "applications"
            filename = f"applications-{names}-{timezone.localdate():%Y-%m-%d}.xlsx"
            return xlsx_response(
                [application_sheet(queryset, include_identity=include_identity)], filename=filename
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Export applications to Excel",
            "opts": self.model._meta,
            "form": form,
            "count": queryset.count(),
            "programs": programs,
            "may_include_identity": may_include_identity,
            "selected": selected,
            "select_across": select_across,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/applications/application/export.html", context)


class ProgramScopedAdmin(
    NotFoundMixin, access.ProgramScopedAdminMixin, TamperProofAdminMixin, admin.ModelAdmin
):
    """For a program's own settings (questions, identity choices)."""

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("program")


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["program", "text", "help_text", "kind", "choices", "required", "audience", "order"]
        help_texts = {
            "choices": "For single and multiple choice questions: one choice per line. "
            "Ignored for the other kinds."
        }

    def clean(self):
        data = super().clean()
        kinds = (Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE)
        lines = [line for line in (data.get("choices") or "").splitlines() if line.strip()]
        if data.get("kind") in kinds and len(lines) < 2:
            self.add_error("choices", "A choice question needs at least two choices, one per line.")
        return data


@admin.register(Question)
class QuestionAdmin(ProgramScopedAdmin):
    list_display = ["text", "program", "kind", "audience", "required", "order"]
    list_filter = [("program", RelatedOnlyFieldListFilter), "audience", "kind"]
    list_editable = ["order"]
    search_fields = ["text"]
    form = QuestionForm
    fields = ["program", "text", "help_text", "kind", "choices", "required", "audience", "order"]


@admin.register(IdentityDimension)
class IdentityDimensionAdmin(ProgramScopedAdmin):
    list_display = ["label", "program", "order", "is_prefer_not"]
    list_filter = [("program", RelatedOnlyFieldListFilter)]
    list_editable = ["order"]
    fields = ["program", "label", "order", "is_prefer_not"]


@admin.register(ApplicationExport)
class ApplicationExportAdmin(ReadOnlyAdminMixin, TamperProofAdminMixin, admin.ModelAdmin):
    """The audit trail of exports: read-only."""

    list_display = ["exported_at", "exported_by", "program_names", "application_count", "included_identity"]
    list_filter = ["included_identity", "exported_at"]
    fields = ["exported_at", "exported_by", "program_names", "application_count", "included_identity"]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("exported_by").prefetch_related("programs")
        if access.user_is_site_staff(request.user):
            return queryset
        # An export of two of the user's programs joins twice: once in the list.
        return access.narrowed(queryset, request.user, "programs").distinct()

    @admin.display(description="Programs")
    def program_names(self, obj):
        return ", ".join(p.name for p in obj.programs.all())
