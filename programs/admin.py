from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from mentorship.admin import TamperProofAdminMixin

from . import access, services
from .forms import CoordinatorAddForm
from .models import LearnerType, Outcome, Program, Resource, SiteContent, Specialty, Tier


class OutcomeInline(admin.TabularInline):
    model = Outcome
    extra = 0


class TierInline(admin.StackedInline):
    model = Tier
    extra = 0
    filter_horizontal = ["mentee_learner_types", "mentor_learner_types"]


@admin.register(Program)
class ProgramAdmin(TamperProofAdminMixin, admin.ModelAdmin):
    list_display = ["name", "full_name", "mentee_intake", "mentor_recruitment", "is_published", "order"]
    list_editable = ["mentee_intake", "mentor_recruitment"]
    list_filter = ["is_published", "mentee_intake", "mentor_recruitment"]
    search_fields = ["name", "full_name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["mentee_learner_types", "mentor_learner_types"]
    inlines = [OutcomeInline, TierInline]
    fieldsets = [
        (None, {"fields": ["name", "full_name", "slug", "is_published", "order", "contact_email"]}),
        ("Public page", {"fields": ["summary", "description", "audience", "outcomes_intro", "tiers_intro"]}),
        (
            "Intake",
            {
                "fields": [
                    "mentee_intake",
                    "mentee_intake_message",
                    "mentor_recruitment",
                    "mentor_recruitment_message",
                ]
            },
        ),
        ("Who may apply", {"fields": ["mentee_learner_types", "mentor_learner_types", "collects_identity"]}),
        ("Coordinators", {"fields": ["coordinator_list"]}),
    ]
    # Coordinators change only on their own page, through the services, so
    # that each change gives or takes admin access and emails the person.
    readonly_fields = ["coordinator_list", "coordinator_manage"]

    def get_queryset(self, request):
        return access.programs_for(request.user)

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if access.user_is_site_staff(request.user) else {}

    def get_readonly_fields(self, request, obj=None):
        # Who coordinates a program, and whether it exists publicly, is for site staff to decide.
        if access.user_is_site_staff(request.user):
            return self.readonly_fields
        return [*self.readonly_fields, "slug", "is_published"]

    @admin.display(description="coordinators")
    def coordinator_list(self, obj):
        people = obj.coordinators.order_by("email") if obj.pk else []
        if not people:
            return "None yet."
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{} ({})</li>", ((u, u.email) for u in people))
        )

    @admin.display(description="coordinators")
    def coordinator_manage(self, obj):
        if not obj.pk:
            return "Save the program first, then add its coordinators."
        return format_html(
            '{}<p><a href="{}">Add or remove coordinators</a></p>',
            self.coordinator_list(obj),
            reverse("admin:programs_program_coordinators", args=[obj.pk]),
        )

    def get_fieldsets(self, request, obj=None):
        # Site staff get the link to the coordinators page; coordinators only the list.
        field = "coordinator_manage" if access.user_is_site_staff(request.user) else "coordinator_list"
        return [
            (
                title,
                {**options, "fields": [field if f == "coordinator_list" else f for f in options["fields"]]},
            )
            for title, options in super().get_fieldsets(request, obj)
        ]

    def get_urls(self):
        return [
            path(
                "<int:program_id>/coordinators/",
                self.admin_site.admin_view(self.coordinators_view),
                name="programs_program_coordinators",
            ),
            path(
                "<int:program_id>/coordinators/<int:user_id>/remove/",
                self.admin_site.admin_view(require_POST(self.coordinator_remove_view)),
                name="programs_program_coordinator_remove",
            ),
            *super().get_urls(),
        ]

    def _program_for_staff(self, request, program_id) -> Program:
        # Who coordinates a program is for site staff to decide, not coordinators.
        if not access.user_is_site_staff(request.user):
            raise PermissionDenied
        return get_object_or_404(Program, pk=program_id)

    def coordinators_view(self, request, program_id):
        """List a program's coordinators and add one by email address."""
        program = self._program_for_staff(request, program_id)
        form = CoordinatorAddForm(request.POST if request.method == "POST" else None)
        status = 200
        if form.is_bound:
            if form.is_valid():
                try:
                    user, added = services.coordinator_add_by_email(
                        program=program, email=form.cleaned_data["email"], name=form.cleaned_data["name"]
                    )
                except services.CoordinatorError as exc:
                    form.add_error("email", str(exc))
                else:
                    # The admin capitalises messages: they start with a word, not an address.
                    if not added:
                        message = f"Nothing changed: {user.email} already coordinates {program.name}."
                    elif user.has_usable_password():
                        message = (
                            f"Added {user.email} as a coordinator of {program.name}; they have been emailed."
                        )
                    else:
                        message = (
                            f"Added {user.email} as a coordinator of {program.name}; "
                            "they have been emailed a link to set a password."
                        )
                    messages.success(request, message)
                    return HttpResponseRedirect(request.path)
            status = 422
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "program": program,
            "coordinators": program.coordinators.order_by("email"),
            "form": form,
            "title": f"Coordinators of {program.name}",
            "sso_enabled": settings.OIDC_ENABLED,
        }
        return TemplateResponse(request, "programs/admin/coordinators.html", context, status=status)

    def coordinator_remove_view(self, request, program_id, user_id):
        program = self._program_for_staff(request, program_id)
        user = get_object_or_404(get_user_model(), pk=user_id, coordinated_programs=program)
        services.coordinator_remove(program=program, user=user)
        messages.success(request, f"Removed {user.email}: they no longer coordinate {program.name}.")
        return HttpResponseRedirect(reverse("admin:programs_program_coordinators", args=[program.pk]))


@admin.register(LearnerType)
class LearnerTypeAdmin(TamperProofAdminMixin, admin.ModelAdmin):
    list_display = ["code", "label", "order"]
    list_editable = ["label", "order"]


@admin.register(Specialty)
class SpecialtyAdmin(TamperProofAdminMixin, admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Resource)
class ResourceAdmin(TamperProofAdminMixin, admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "url", "order", "is_published"]
    list_editable = ["order", "is_published"]


@admin.register(SiteContent)
class SiteContentAdmin(TamperProofAdminMixin, admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["title", "intro", "contact_text", "contact_email", "hero_image_credit"]}),
        (
            "Learner Mentorship Database",
            {
                "fields": [
                    "database_title",
                    "database_intro",
                    "database_scope",
                    "database_note",
                    "database_suggest_text",
                    "database_last_updated",
                ]
            },
        ),
        (
            "Equity mentorship",
            {
                "fields": [
                    "equity_title",
                    "equity_intro",
                    "equity_commitment",
                    "equity_presentation_url",
                    "equity_presentation_text",
                    "tiles_intro",
                ]
            },
        ),
        ("Resources", {"fields": ["resources_title"]}),
    ]

    def has_add_permission(self, request):
        return not SiteContent.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False
