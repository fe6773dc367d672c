from django.contrib import admin
from django.db import models

from mentorship.admin import TamperProofAdminMixin

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
    filter_horizontal = ["mentee_learner_types", "mentor_learner_types", "coordinators"]
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
        ("Coordinators", {"fields": ["coordinators"]}),
    ]

    def get_queryset(self, request):
        return Program.objects.coordinated_by(request.user)

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if request.user.is_superuser else {}

    def get_readonly_fields(self, request, obj=None):
        # Who coordinates a program, and whether it exists publicly, is for staff to decide.
        if request.user.is_superuser:
            return []
        return ["slug", "coordinators", "is_published"]


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
