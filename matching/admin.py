"""The coordinator console: rounds, weights, exclusions, matches, and the
matching board (a page of the round's admin)."""

from __future__ import annotations

from functools import wraps

from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from applications.models import Application, Role
from mentorship.admin import TamperProofAdminMixin
from programs.models import Program

from . import selectors, services
from .exports import round_matches_response
from .forms import EndMatchForm
from .models import Exclusion, Match, MatchingWeights, MatchSource, MatchStatus, Round


class CoordinatedProgramMixin(TamperProofAdminMixin):
    """Narrow the list to the user's programs, and the program choices too."""

    program_path = "program"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.program_path}__coordinators": request.user})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        programs = Program.objects.coordinated_by(request.user)
        if db_field.name == "program":
            kwargs["queryset"] = programs
        elif db_field.name == "tier":
            kwargs["queryset"] = db_field.related_model.objects.filter(program__in=programs)
        elif db_field.name in ("mentee", "mentor"):
            role = Role.MENTEE if db_field.name == "mentee" else Role.MENTOR
            kwargs["queryset"] = Application.objects.filter(program__in=programs, role=role).select_related(
                "applicant", "program", "tier"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def coordinator_page(view):
    """Pages of the board: a signed-in staff user (the round's own access check
    follows in the view); the others get the login page or a 403."""

    @wraps(view)
    def inner(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        response = view(self, request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return inner


@admin.register(Round)
class RoundAdmin(CoordinatedProgramMixin, admin.ModelAdmin):
    list_display = ["name", "program", "tier", "status", "proposed", "published", "board_link"]
    list_filter = ["status", "program"]
    search_fields = ["name"]
    fields = ["program", "tier", "name", "status", "is_public", "published_at"]
    readonly_fields = ["published_at"]

    def get_readonly_fields(self, request, obj=None):
        # Once a round exists its status moves only through the board (run,
        # publish, mark complete), so that publishing always emails and locks.
        if obj is not None:
            return [*self.readonly_fields, "program", "tier", "status"]
        return self.readonly_fields

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
        return [
            path("<int:round_id>/board/", self.board_view, name="matching_round_board"),
            path("<int:round_id>/board/action/", self.board_action, name="matching_round_board_action"),
            path(
                "<int:round_id>/board/suggestions/<int:mentee_id>/",
                self.suggestions_view,
                name="matching_round_suggestions",
            ),
            path("<int:round_id>/board/end/<int:match_id>/", self.end_match_view, name="matching_round_end"),
            path("<int:round_id>/export.xlsx", self.export_view, name="matching_round_export"),
            *super().get_urls(),
        ]

    def _context(self, request, round_, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "round": round_,
            "title": title,
            **extra,
        }

    @coordinator_page
    def board_view(self, request, round_id):
        round_ = selectors.round_for_coordinator(request.user, round_id)
        q = request.GET.get("q", "")
        specialty = request.GET.get("specialty", "")
        board = selectors.board_for(round_, user=request.user, q=q, specialty=specialty)
        context = self._context(
            request,
            round_,
            f"Matching board: {round_}",
            board=board,
            q=q,
            specialty=specialty,
            statuses=MatchStatus,
        )
        return TemplateResponse(request, "matching/board.html", context)

    @coordinator_page
    def suggestions_view(self, request, round_id, mentee_id):
        round_ = selectors.round_for_coordinator(request.user, round_id)
        mentee, rows = selectors.suggestions_for_mentee(round_, mentee_id, user=request.user)
        context = self._context(request, round_, f"Mentors for {mentee.applicant}", mentee=mentee, rows=rows)
        return TemplateResponse(request, "matching/suggestions.html", context)

    @coordinator_page
    def end_match_view(self, request, round_id, match_id):
        round_ = selectors.round_for_coordinator(request.user, round_id)
        match = get_object_or_404(
            Match.objects.select_related("mentee__applicant", "mentor__applicant"),
            pk=match_id,
            round=round_,
            status=MatchStatus.PUBLISHED,
        )
        form = EndMatchForm(request.POST if request.method == "POST" else None)
        error, status = "", 200
        if form.is_bound:
            if form.is_valid():
                try:
                    services.match_end(
                        match=match,
                        reason=form.cleaned_data["reason"],
                        rematch=form.cleaned_data["rematch"],
                        by=request.user,
                    )
                except services.MatchingError as exc:
                    error = " ".join(exc.messages)
                else:
                    messages.success(request, f"The match of {match} has ended; the mentor's place is free.")
                    return _back_to_board(round_)
            status = 422
        context = self._context(
            request, round_, f"End the match of {match}", match=match, form=form, error=error
        )
        return TemplateResponse(request, "matching/end_match.html", context, status=status)

    @coordinator_page
    def export_view(self, request, round_id):
        round_ = selectors.round_for_coordinator(request.user, round_id)
        return round_matches_response(round_)

    @coordinator_page
    def board_action(self, request, round_id):
        return _board_action(request, round_id)


@require_POST
def _board_action(request, round_id):
    round_ = selectors.round_for_coordinator(request.user, round_id)
    action = request.POST.get("action", "")
    data, user = request.POST, request.user

    def application(name, role):
        return get_object_or_404(
            Application.objects.select_related("applicant"),
            pk=_posted_id(data, name),
            program=round_.program,
            role=role,
        )

    def proposal(name):
        return get_object_or_404(
            Match.objects.select_related("mentee__applicant", "mentor__applicant"),
            pk=_posted_id(data, name),
            round=round_,
        )

    try:
        if action in ("run_stable", "run_optimal"):
            mode = MatchSource.STABLE if action == "run_stable" else MatchSource.OPTIMAL
            proposed = services.round_run(round_=round_, mode=mode, by=user)
            done = f"{MatchSource(mode).label}: {len(proposed)} pair(s) proposed. Review them, then publish."
        elif action == "remove":
            match = services.proposal_remove(round_=round_, match=proposal("match"), by=user)
            done = f"Removed {match}; the pair will not be suggested again."
        elif action == "swap":
            first, second = services.proposal_swap(
                round_=round_, first=proposal("first"), second=proposal("second"), by=user
            )
            done = f"Swapped: {first} and {second}."
        elif action == "add":
            match = services.proposal_add(
                round_=round_,
                mentee=application("mentee", Role.MENTEE),
                mentor=application("mentor", Role.MENTOR),
                by=user,
            )
            done = f"Added {match} to the draft."
        elif action == "publish":
            published = services.round_publish(round_=round_, by=user)
            done = f"Published {len(published)} match(es); introductions are on their way."
        elif action == "publish_one":
            match = services.match_publish_one(
                round_=round_,
                mentee=application("mentee", Role.MENTEE),
                mentor=application("mentor", Role.MENTOR),
                by=user,
            )
            done = f"Matched {match}; introductions are on their way."
        elif action in ("move_up", "move_down"):
            services.waitlist_move(
                application=application("mentee", Role.MENTEE), up=action == "move_up", by=user
            )
            done = "Waitlist order changed."
        elif action == "complete":
            services.round_complete(round_=round_, by=user)
            done = f"{round_.name} is complete."
        else:
            messages.error(request, "Unknown action.")
            return _back_to_board(round_)
    except services.MatchingError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, done)
    return _back_to_board(round_)


def _posted_id(data, name: str) -> int:
    """The id the board's form posted under ``name``; 404 when it is missing
    or not an id (a tampered form), so it never reaches the database as such."""
    value = data.get(name, "")
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise Http404("No such pair or application on this board.")
    return int(value)


def _back_to_board(round_):
    return HttpResponseRedirect(reverse("admin:matching_round_board", args=[round_.pk]))


@admin.register(MatchingWeights)
class MatchingWeightsAdmin(CoordinatedProgramMixin, admin.ModelAdmin):
    list_display = ["program", "specialty", "outcomes", "identity", "site", "meeting_format", "availability"]


@admin.register(Exclusion)
class ExclusionAdmin(CoordinatedProgramMixin, admin.ModelAdmin):
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

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Match)
class MatchAdmin(CoordinatedProgramMixin, admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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
