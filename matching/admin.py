"""The coordinator console: rounds, weights, exclusions, matches, and the
matching board (views in matching/views.py, routed as pages of the round's admin)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.db.models import Count, F, Q
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from applications.models import Application, Role
from mentorship.admin import ReadOnlyAdminMixin, TamperProofAdminMixin
from programs.access import ProgramScopedAdminMixin

from . import views
from .models import (
    ChoicePolicy,
    Exclusion,
    Match,
    MatchingWeights,
    MatchStatus,
    MentorRequest,
    MentorVerdict,
    RankEntry,
    RankList,
    RequestStatus,
    Round,
)
from .services import RANKING_REMINDER_BEFORE


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%-d %b %Y, %H:%M}" if moment else "Not yet"


class CoordinatedProgramAdmin(ProgramScopedAdminMixin, TamperProofAdminMixin, admin.ModelAdmin):
    """Rows of a program: coordinators see and pick only their programs'."""


@admin.register(Round)
class RoundAdmin(CoordinatedProgramAdmin):
    list_display = ["name", "program", "tier", "status", "ranking", "proposed", "published", "board_link"]
    list_filter = ["status", "program"]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["program", "tier", "name", "status", "is_public", "published_at"]}),
        (
            "Ranking window",
            {
                "description": (
                    "While the window is open, accepted mentees in the round's scope rank up to N mentors "
                    "(N and how mentors take part are the program's participant choice settings). They are "
                    "emailed when it opens, and reminded two days before it closes. The round can be run "
                    "only after the window closes; stable matching then follows the rank lists. You may "
                    "change the dates after the window has opened, but the people already emailed were "
                    "told the old closing date: tell them yourself."
                ),
                "fields": ["ranking_opens_at", "ranking_closes_at", "opening_email", "reminder_email"],
            },
        ),
    ]
    readonly_fields = ["published_at", "opening_email", "reminder_email"]

    @admin.display(description="opening email sent")
    def opening_email(self, obj):
        return _when(obj.ranking_open_notified_at)

    @admin.display(description="reminder sent")
    def reminder_email(self, obj):
        return _when(obj.ranking_reminder_notified_at)

    def get_readonly_fields(self, request, obj=None):
        # Once a round exists its status moves only through the board (run,
        # publish, mark complete), so that publishing always emails and locks.
        if obj is not None:
            fixed = [*self.readonly_fields, "program", "tier", "status"]
            if not obj.is_draft:  # a published round's lists have been used
                fixed += ["ranking_opens_at", "ranking_closes_at"]
            return fixed
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        moved = change and {"ranking_opens_at", "ranking_closes_at"} & set(form.changed_data)
        if moved and obj.ranking_open_notified_at:
            self._window_moved(request, obj)
        super().save_model(request, obj, form, change)

    def _window_moved(self, request, obj) -> None:
        """The window changed after its opening email: say what that means,
        and let the reminder go out again before the new close."""
        if obj.ranking_closes_at and obj.ranking_closes_at - RANKING_REMINDER_BEFORE > timezone.now():
            obj.ranking_reminder_notified_at = None
        closes = (
            f"it now closes {timezone.localtime(obj.ranking_closes_at):%-d %B %Y, %H:%M}"
            if obj.ranking_closes_at
            else "the round no longer has a ranking window"
        )
        messages.warning(
            request,
            f"The ranking window of {obj} had already opened: the people emailed then were told "
            f"another closing date, and {closes}. Tell them yourself; the reminder goes out two "
            "days before the close if that is still ahead.",
        )

    class Media:
        css = {"all": ["matching/board.css"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("program", "tier")
            .annotate(
                n_proposed=Count("matches", filter=Q(matches__status=MatchStatus.PROPOSED)),
                n_published=Count("matches", filter=Q(matches__status=MatchStatus.PUBLISHED)),
            )
        )

    @admin.display(description="ranking", ordering="ranking_closes_at")
    def ranking(self, obj):
        if not obj.has_ranking:
            return "—"
        now = timezone.now()
        if now < obj.ranking_opens_at:
            return f"opens {_when(obj.ranking_opens_at)}"
        if obj.ranking_is_open(now):
            return f"open until {_when(obj.ranking_closes_at)}"
        return f"closed {_when(obj.ranking_closes_at)}"

    @admin.display(description="proposed", ordering="n_proposed")
    def proposed(self, obj):
        return obj.n_proposed

    @admin.display(description="published", ordering="n_published")
    def published(self, obj):
        return obj.n_published

    @admin.display(description="matching board")
    def board_link(self, obj):
        return format_html(
            '<a href="{}">Open the board<span class="visually-hidden"> for {}</span></a>',
            reverse("admin:matching_round_board", args=[obj.pk]),
            obj,
        )

    def get_urls(self):
        # The matching board: views in matching/views.py, behind the admin's
        # login and look; each checks the round's program through programs.access.
        board = self.admin_site.admin_view
        return [
            path("<int:round_id>/board/", board(views.board), name="matching_round_board"),
            path(
                "<int:round_id>/board/action/", board(views.board_action), name="matching_round_board_action"
            ),
            path(
                "<int:round_id>/board/suggestions/<int:mentee_id>/",
                board(views.suggestions),
                name="matching_round_suggestions",
            ),
            path(
                "<int:round_id>/board/end/<int:match_id>/", board(views.end_match), name="matching_round_end"
            ),
            path("<int:round_id>/export.xlsx", board(views.export), name="matching_round_export"),
            *super().get_urls(),
        ]


@admin.register(MatchingWeights)
class MatchingWeightsAdmin(CoordinatedProgramAdmin):
    list_display = ["program", "specialty", "outcomes", "identity", "site", "meeting_format", "availability"]


@admin.register(Exclusion)
class ExclusionAdmin(CoordinatedProgramAdmin):
    list_display = ["mentee", "mentor", "program", "reason", "created_by", "created_at"]
    list_filter = ["program"]
    search_fields = ["mentee__applicant__name", "mentor__applicant__name", "reason"]
    fields = ["program", "mentee", "mentor", "reason"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "program",
                "mentee__applicant",
                "mentee__program",
                "mentee__tier",
                "mentor__applicant",
                "mentor__program",
                "mentor__tier",
                "created_by",
            )
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A mentee is chosen among mentees, a mentor among mentors (and the
        # mixin keeps both to the user's programs).
        if db_field.name in ("mentee", "mentor"):
            role = Role.MENTEE if db_field.name == "mentee" else Role.MENTOR
            kwargs["queryset"] = Application.objects.filter(role=role).select_related(
                "applicant", "program", "tier"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Match)
class MatchAdmin(ReadOnlyAdminMixin, CoordinatedProgramAdmin):
    """Matches change only through the board (publishing emails people and
    moves applications); here they can be found, read and ended."""

    program_path = "round__program"
    list_display = [
        "__str__",
        "round",
        "status",
        "score_without_identity",
        "source",
        "published_at",
        "ended_at",
    ]
    list_filter = [
        "status",
        "source",
        ("round__program", RelatedOnlyFieldListFilter),
        ("round", RelatedOnlyFieldListFilter),
    ]
    search_fields = ["mentee__applicant__name", "mentor__applicant__name", "mentee__applicant__email"]
    readonly_fields = [
        "round",
        "mentee",
        "mentor",
        "status",
        "source",
        "score_without_identity",
        "visible_reasons",
        "created_by",
        "created_at",
        "published_at",
        "ended_at",
        "end_reason",
        "board_links",
    ]
    # Like the identity reasons, the identity part of the score shows on the
    # board only, to the program's coordinators: here everyone sees the score
    # without it, lists are ordered by that, and neither can be filtered on.
    exclude = ["reasons", "score", "identity_score"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "round__program",
                "round__tier",
                "mentee__applicant",
                "mentee__program",
                "mentee__tier",
                "mentor__applicant",
                "mentor__program",
                "mentor__tier",
                "created_by",
            )
            .annotate(visible_score=F("score") - F("identity_score"))
        )

    def get_ordering(self, request):
        # The model's order is by the whole score, which would rank by the identity part.
        return ["round", (F("score") - F("identity_score")).desc(), "id"]

    def lookup_allowed(self, lookup, value, request):
        # The stored reasons include identity reasons, and the stored score
        # their points: no filtering on them (?reasons__icontains=...,
        # ?score=...), which would reveal identity to staff who do not
        # coordinate the program.
        if lookup.split("__", 1)[0] in ("reasons", "score", "identity_score", "visible_score"):
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description="score (without identity)", ordering="visible_score")
    def score_without_identity(self, obj):
        return obj.visible_score

    @admin.display(description="reasons (identity reasons show on the board, to the program's coordinators)")
    def visible_reasons(self, obj):
        return "; ".join(obj.reasons_for(show_identity=False)) or "—"

    @admin.display(description="board")
    def board_links(self, obj):
        board = reverse("admin:matching_round_board", args=[obj.round_id])
        if obj.status == MatchStatus.PUBLISHED:
            return format_html(
                '<a href="{}">Open the board</a> · <a href="{}">End or re-match</a>',
                board,
                reverse("admin:matching_round_end", args=[obj.round_id, obj.pk]),
            )
        return format_html('<a href="{}">Open the board</a>', board)


class ChoicePolicyForm(forms.ModelForm):
    class Meta:
        model = ChoicePolicy
        fields = ["program", "max_ranks", "mentor_participation", "request_reply_days"]
        widgets = {"mentor_participation": forms.RadioSelect}

    # The table's check constraints, as messages that say what to type.
    def clean_max_ranks(self):
        value = self.cleaned_data["max_ranks"]
        if not 1 <= value <= 20:
            raise forms.ValidationError("Enter a number from 1 to 20.")
        return value

    def clean_request_reply_days(self):
        value = self.cleaned_data["request_reply_days"]
        if not 1 <= value <= 60:
            raise forms.ValidationError("Enter a number of days from 1 to 60.")
        return value


@admin.register(ChoicePolicy)
class ChoicePolicyAdmin(CoordinatedProgramAdmin):
    """A program's participant choice settings: N, how mentors take part in
    ranking, and the days a mentor has to answer a request. A program
    without a row uses the defaults."""

    form = ChoicePolicyForm
    list_display = ["program", "max_ranks", "mentor_participation", "request_reply_days"]

    class Media:
        # The board's stylesheet: links told apart by more than colour (axe, WCAG 1.4.1).
        css = {"all": ["matching/board.css"]}


# --- Rank lists: the program's coordinators read them; only their owners write them ---------


class RankEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RankEntry
    fields = ["position", "candidate"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("candidate__applicant")


@admin.register(RankList)
class RankListAdmin(ReadOnlyAdminMixin, CoordinatedProgramAdmin):
    """Who ranked whom in a round, for the program's coordinators (and site
    staff); nobody else sees another person's list. Lists change only on
    their owners' pages, until the window closes."""

    program_path = "round__program"
    list_display = ["owner", "role", "round", "length", "updated_at"]
    list_filter = [("round", RelatedOnlyFieldListFilter), "owner__role"]
    search_fields = ["owner__applicant__name", "owner__applicant__email"]
    fields = ["round", "owner", "updated_at"]
    readonly_fields = fields
    inlines = [RankEntryInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("round__program", "round__tier", "owner__applicant")
            .annotate(n_entries=Count("entries"))
        )

    @admin.display(description="role", ordering="owner__role")
    def role(self, obj):
        return obj.owner.get_role_display()

    @admin.display(description="ranked", ordering="n_entries")
    def length(self, obj):
        return obj.n_entries


@admin.register(MentorVerdict)
class MentorVerdictAdmin(ReadOnlyAdminMixin, CoordinatedProgramAdmin):
    """Mentors' "happy to mentor" / "rather not", for the program's coordinators."""

    program_path = "round__program"
    list_display = ["mentor", "mentee", "verdict", "round", "updated_at"]
    list_filter = [("round", RelatedOnlyFieldListFilter), "verdict"]
    search_fields = ["mentor__applicant__name", "mentee__applicant__name"]
    fields = ["round", "mentor", "mentee", "verdict", "updated_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("round__program", "round__tier", "mentor__applicant", "mentee__applicant")
        )


@admin.register(MentorRequest)
class MentorRequestAdmin(ReadOnlyAdminMixin, CoordinatedProgramAdmin):
    """Every request of the coordinator's programs, to read: mentees ask and
    mentors answer on their own pages (matching/views.py); expired requests,
    which the coordinators were emailed about, stand out."""

    program_path = "round__program"
    list_display = ["__str__", "round", "status_shown", "created_at", "expires_at", "answered_at", "match"]
    list_filter = ["status", ("round__program", RelatedOnlyFieldListFilter)]
    search_fields = ["mentee__applicant__name", "mentor__applicant__name", "mentee__applicant__email"]
    date_hierarchy = "created_at"
    # What the mentee wrote to the mentor is theirs and the coordinators'; no
    # self-identification is shown here, as on the mentor's page.
    fields = [
        "round",
        "mentee",
        "mentor",
        "message",
        "status",
        "created_at",
        "expires_at",
        "answered_at",
        "decline_reason",
        "match",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": ["matching/board.css"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "round__program",
                "round__tier",
                "mentee__applicant",
                "mentee__program",
                "mentee__tier",
                "mentor__applicant",
                "mentor__program",
                "mentor__tier",
                "match__mentee__applicant",
                "match__mentor__applicant",
            )
        )

    @admin.display(description="status", ordering="status")
    def status_shown(self, obj):
        if obj.status == RequestStatus.EXPIRED:
            return format_html('<strong class="request-expired">{}</strong>', obj.get_status_display())
        return obj.get_status_display()
