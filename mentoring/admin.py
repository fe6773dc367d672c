"""The coordinators' console for the mentorship year: each program's settings
(agreement template, time per term, reminder schedule), its years and terms,
its check-ins and evaluations, the answers (read only), and the match-health
list with its Excel export. Every list is scoped to the user's programs
(``ProgramScopedAdminMixin``)."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from mentorship.admin import ReadOnlyAdminMixin, TamperProofAdminMixin
from programs.access import ProgramScopedAdminMixin, programs_for

from . import exports
from .health import Agreement, agreement_q, attach_states, health_queryset, match_link, match_states
from .models import (
    LIKERT_LABELS,
    DigestSent,
    ItemAnswer,
    ItemKind,
    MatchHealth,
    MentoringPolicy,
    ProgramYear,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireResponse,
    ReminderSent,
    Term,
)
from .questionnaires import OUTCOME_KINDS, questionnaire_add_outcome_items


class CoordinatedProgramAdmin(ProgramScopedAdminMixin, TamperProofAdminMixin, admin.ModelAdmin):
    """Rows of a program: coordinators see and pick only their programs'."""

    class Media:
        css = {"all": ["mentoring/admin.css"]}


@admin.register(MentoringPolicy)
class MentoringPolicyAdmin(CoordinatedProgramAdmin):
    list_display = ["program", "minutes_per_term", "intro_reminder_days", "quiet_reminder_days"]
    fieldsets = [
        (None, {"fields": ["program", "minutes_per_term"]}),
        (
            "Agreement template",
            {
                "fields": [
                    "agreement_goals",
                    "agreement_frequency",
                    "agreement_confidentiality",
                    "agreement_boundaries",
                ],
                "description": "Each new match's agreement is a copy of this template, which both people confirm.",
            },
        ),
        (
            "Reminder schedule",
            {
                "fields": [
                    "intro_reminder_days",
                    "quiet_reminder_days",
                    "agreement_reminder_days",
                    "questionnaire_reminder_days",
                ],
                "description": "Reminders are emailed once each. People may turn off all but the evaluations.",
            },
        ),
    ]


class TermInline(admin.TabularInline):
    model = Term
    extra = 1
    fields = ["name", "starts_on", "ends_on"]


@admin.register(ProgramYear)
class ProgramYearAdmin(CoordinatedProgramAdmin):
    list_display = ["name", "program", "starts_on", "ends_on"]
    list_filter = ["program"]
    inlines = [TermInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("program")


class QuestionnaireItemForm(forms.ModelForm):
    class Meta:
        model = QuestionnaireItem
        fields = ["order", "text", "kind", "choices", "required", "outcome"]

    def clean(self):
        data = super().clean()
        if (
            data.get("kind") == ItemKind.CHOICE
            and not QuestionnaireItem(choices=data.get("choices", "")).choice_list
        ):
            self.add_error("choices", "A choice question needs its choices, one per line.")
        return data


class QuestionnaireItemInline(admin.TabularInline):
    model = QuestionnaireItem
    form = QuestionnaireItemForm
    extra = 1
    fields = ["order", "text", "kind", "choices", "required", "outcome"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "outcome":
            kwargs["queryset"] = db_field.related_model.objects.filter(
                program__in=programs_for(request.user)
            ).select_related("program")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class QuestionnaireForm(forms.ModelForm):
    class Meta:
        model = Questionnaire
        fields = ["year", "term", "kind", "role", "title", "intro", "opens_on", "closes_on"]

    def clean(self):
        data = super().clean()
        opens, closes, year, term = (data.get(k) for k in ("opens_on", "closes_on", "year", "term"))
        if opens and closes and closes < opens:
            self.add_error("closes_on", "It must close on or after the day it opens.")
        if year and term and term.year_id != year.pk:
            self.add_error("term", "Pick a term of this year.")
        if year and opens and closes and not (year.starts_on <= opens and closes <= year.ends_on):
            self.add_error(
                "opens_on", f"Its dates must fall within {year.name} ({year.starts_on} to {year.ends_on})."
            )
        return data


@admin.register(Questionnaire)
class QuestionnaireAdmin(CoordinatedProgramAdmin):
    """A check-in or evaluation per role. A new midpoint or closing
    evaluation gets the built-in outcome items (one Likert statement per
    program outcome); the action adds them to any questionnaire."""

    program_path = "year__program"
    form = QuestionnaireForm
    list_display = ["title", "year", "kind", "role", "opens_on", "closes_on", "answered"]
    list_filter = ["kind", "role", ("year__program", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title"]
    fields = ["year", "term", "kind", "role", "title", "intro", "opens_on", "closes_on"]
    inlines = [QuestionnaireItemInline]
    actions = ["add_outcome_items"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("year__program", "term")
            .annotate(n_responses=Count("responses"))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "term":
            kwargs["queryset"] = Term.objects.filter(
                year__program__in=programs_for(request.user)
            ).select_related("year__program")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="answered", ordering="n_responses")
    def answered(self, obj):
        url = (
            reverse("admin:mentoring_questionnaireresponse_changelist")
            + f"?questionnaire__id__exact={obj.pk}"
        )
        return format_html(
            '<a href="{}">{} answered<span class="visually-hidden"> {}</span></a>', url, obj.n_responses, obj
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and form.instance.kind in OUTCOME_KINDS:
            added = questionnaire_add_outcome_items(questionnaire=form.instance)
            if added:
                self.message_user(request, f"Added {len(added)} outcome item(s), one per program outcome.")

    @admin.action(description="Add the built-in outcome items (one per program outcome)")
    def add_outcome_items(self, request, queryset):
        added = sum(len(questionnaire_add_outcome_items(questionnaire=q)) for q in queryset)
        self.message_user(request, f"Added {added} outcome item(s).", messages.SUCCESS)


class ItemAnswerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ItemAnswer
    fields = ["question", "answer"]
    readonly_fields = ["question", "answer"]
    can_delete = False
    extra = 0
    # The tabular inline heads each row with the answer's str(), which repeats
    # the two columns; admin.css hides it in this inline.
    classes = ["answers"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item").order_by("item__order", "item__id")

    @admin.display(description="question")
    def question(self, obj):
        return obj.item.text

    @admin.display(description="answer")
    def answer(self, obj):
        return LIKERT_LABELS.get(obj.likert, "") if obj.likert else obj.text


@admin.register(QuestionnaireResponse)
class QuestionnaireResponseAdmin(ReadOnlyAdminMixin, CoordinatedProgramAdmin):
    """Who answered what: for the program's coordinators (and site staff) only."""

    program_path = "questionnaire__year__program"
    list_display = ["questionnaire", "pair", "respondent", "submitted_at"]
    list_filter = [
        "questionnaire__kind",
        "questionnaire__role",
        ("questionnaire__year__program", admin.RelatedOnlyFieldListFilter),
        ("questionnaire", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["respondent__name", "respondent__email", "questionnaire__title"]
    fields = ["questionnaire", "pair", "respondent", "submitted_at"]
    readonly_fields = fields
    inlines = [ItemAnswerInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "questionnaire__year__program",
                "match__mentee__applicant",
                "match__mentor__applicant",
                "respondent",
            )
        )

    @admin.display(description="pair")
    def pair(self, obj):
        return str(obj.match)


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdminMixin, CoordinatedProgramAdmin):
    """The reminders that went out (their emails are in the outgoing email list)."""

    program_path = "match__round__program"
    list_display = ["kind", "recipient", "match", "period", "sent_at"]
    list_filter = ["kind", ("match__round__program", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["recipient__name", "recipient__email"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "recipient", "match__mentee__applicant", "match__mentor__applicant", "match__round__program"
            )
        )


@admin.register(DigestSent)
class DigestSentAdmin(ReadOnlyAdminMixin, CoordinatedProgramAdmin):
    list_display = ["program", "week", "matches", "sent_at"]
    list_filter = [("program", admin.RelatedOnlyFieldListFilter)]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("program")


# --- Match health ------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.localdate()


class AgreementFilter(admin.SimpleListFilter):
    title = "agreement"
    parameter_name = "agreement"

    def lookups(self, request, model_admin):
        return list(Agreement.LABELS.items())

    def queryset(self, request, queryset):
        if self.value() in Agreement.LABELS:
            return queryset.filter(agreement_q(self.value()))
        return queryset


class LastContactFilter(admin.SimpleListFilter):
    title = "last meeting"
    parameter_name = "contact"

    def lookups(self, request, model_admin):
        return [
            ("2w", "Under 2 weeks ago"),
            ("6w", "2 to 6 weeks ago"),
            ("older", "Over 6 weeks ago"),
            ("never", "Never"),
        ]

    def queryset(self, request, queryset):
        today = _today()
        two, six = today - datetime.timedelta(days=14), today - datetime.timedelta(days=42)
        filters = {
            "2w": {"last_met__gt": two},
            "6w": {"last_met__lte": two, "last_met__gt": six},
            "older": {"last_met__lte": six},
            "never": {"last_met__isnull": True},
        }
        return queryset.filter(**filters[self.value()]) if self.value() in filters else queryset


class _StateFilter(admin.SimpleListFilter):
    """A filter on what ``match_states`` works out (pro rata time, evaluations
    per role): the states of the list's matches in a fixed number of queries,
    then their ids."""

    def test(self, state) -> bool:
        raise NotImplementedError

    def queryset(self, request, queryset):
        if self.value() not in dict(self.lookup_choices):
            return queryset
        states = match_states(queryset, _today())
        return queryset.filter(pk__in=[pk for pk, state in states.items() if self.test(state)])


class HoursFilter(_StateFilter):
    title = "time met this term"
    parameter_name = "hours"

    def lookups(self, request, model_admin):
        return [("on_track", "On track"), ("behind", "Behind")]

    def test(self, state) -> bool:
        return state.behind == (self.value() == "behind")


class EvaluationsFilter(_StateFilter):
    title = "evaluations"
    parameter_name = "evaluations"

    def lookups(self, request, model_admin):
        return [("done", "All done"), ("overdue", "Overdue"), ("open", "Open now")]

    def test(self, state) -> bool:
        return state.evaluation_status == self.value()


class HealthChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        # Each row's state, for the whole page in a fixed number of queries.
        self.result_list = attach_states(self.result_list, _today())


@admin.register(MatchHealth)
class MatchHealthAdmin(ReadOnlyAdminMixin, CoordinatedProgramAdmin):
    """Published matches of the user's programs and how each is doing. The
    notes of meetings are never read here."""

    program_path = "round__program"
    list_display = [
        "pair",
        "program",
        "published_at",
        "agreement_state",
        "last_meeting",
        "this_term",
        "evaluations",
        "help",
    ]
    list_filter = [
        AgreementFilter,
        LastContactFilter,
        HoursFilter,
        EvaluationsFilter,
        ("round__program", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["mentee__applicant__name", "mentor__applicant__name", "mentee__applicant__email"]
    list_display_links = None
    # Counts beside each filter would work out every match's state once per choice.
    show_facets = admin.ShowFacets.NEVER
    ordering = ["round__program__name", "mentee__applicant__name", "pk"]
    change_list_template = "admin/mentoring/matchhealth/change_list.html"

    def get_queryset(self, request):
        return health_queryset(super().get_queryset(request), _today())

    def get_changelist(self, request, **kwargs):
        return HealthChangeList

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Match health", **(extra_context or {})})

    def has_view_permission(self, request, obj=None):
        # A list only: a match's own page is the pair's home (or its admin page).
        return super().has_view_permission(request, obj) and obj is None

    def get_urls(self):
        return [
            path(
                "export.xlsx",
                self.admin_site.admin_view(self.export_view),
                name="mentoring_matchhealth_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return exports.health_response(self.get_queryset(request), today=_today())

    @admin.display(description="pair", ordering="mentee__applicant__name")
    def pair(self, obj):
        return format_html('<a href="{}">{}</a>', match_link(obj), obj)

    @admin.display(description="program", ordering="round__program__name")
    def program(self, obj):
        return obj.round.program.name

    # Not "agreement": the admin would show the match's agreement row itself.
    @admin.display(description="agreement")
    def agreement_state(self, obj):
        return Agreement.LABELS[obj.health.agreement]

    @admin.display(description="last meeting", ordering="last_met")
    def last_meeting(self, obj):
        return obj.health.last_met or "Never"

    @admin.display(description="this term (minutes)")
    def this_term(self, obj):
        state = obj.health
        if state.term is None:
            return "No term running"
        verdict = "behind" if state.behind else "on track"
        return f"{state.minutes_this_term} of {state.expected_minutes} so far ({verdict})"

    @admin.display(description="evaluations")
    def evaluations(self, obj):
        return obj.health.evaluation_status

    @admin.display(description="help asked", boolean=True)
    def help(self, obj):
        return obj.health.help_open
