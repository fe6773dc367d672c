"""Applying, and the applicant's own pages. Thin: check access, validate, call a service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.services import user_has_verified_email, user_is_member
from programs.models import MenteeIntake, Program
from programs.selectors import program_for_public

from . import selectors, services
from .forms import FORM_CLASSES, IdentityForm
from .models import Application, Role, Status

# An invalid form is shown again, with its messages, under this status.
INVALID_FORM_STATUS = 422


def _refuse(request: HttpRequest, title: str, message: str, *, status: int = 403, **context) -> HttpResponse:
    return render(
        request,
        "applications/refused.html",
        {"title": title, "message": message, **context},
        status=status,
    )


def _detail_url(application: Application) -> str:
    return reverse("applications:detail", args=[application.pk])


def _intake_is_open(program: Program, role: str) -> bool:
    return program.accepts_mentees if role == Role.MENTEE else program.accepts_mentors


def _forms_valid(form, identity_form) -> bool:
    """Validate the application form and the self-identification form, both
    (so that each shows its own messages at once)."""
    valid = form.is_valid()
    if identity_form is not None:
        valid = identity_form.is_valid() and valid
    return valid


def _submitted(form, identity_form) -> dict[str, Any]:
    """What the two valid forms give the submit and update services."""
    return {
        "fields": form.application_fields(),
        "specialties": form.specialty_list(),
        "outcomes": form.outcome_list(),
        "answers": form.answers(),
        "identity": identity_form.disclosure_data() if identity_form else None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def apply_mentee(request, slug):
    return _apply(request, slug, Role.MENTEE)


@login_required
@require_http_methods(["GET", "POST"])
def apply_mentor(request, slug):
    return _apply(request, slug, Role.MENTOR)


def _apply(request: HttpRequest, slug: str, role: str) -> HttpResponse:
    program = program_for_public(slug)
    if role == Role.MENTEE and not user_is_member(request.user):
        return render(request, "applications/not_member.html", {"program": program}, status=403)
    if role == Role.MENTOR and not user_has_verified_email(request.user):
        return render(request, "applications/unverified.html", {"program": program}, status=403)
    if not _intake_is_open(program, role):
        return render(
            request,
            "applications/closed.html",
            {"program": program, "role": role},
            status=403 if request.method == "POST" else 200,
        )
    tiers = list(program.tiers.all())
    if not tiers:
        existing = selectors.live_application(user=request.user, program=program, role=role, tier=None)
        if existing is not None:
            messages.info(request, f"You have already applied to {program.name} as a {role}: here it is.")
            return redirect(_detail_url(existing))

    questions = selectors.questions_for(program, role)
    form_class = FORM_CLASSES[role]
    data = request.POST if request.method == "POST" else None
    previous = selectors.last_withdrawn_application(user=request.user, program=program, role=role)
    form = form_class(data, program=program, questions=questions, previous=previous, user=request.user)
    identity_form = IdentityForm(data, program=program, role=role) if program.collects_identity else None
    status = 200
    if request.method == "POST":
        if _forms_valid(form, identity_form):
            try:
                application = services.application_submit(
                    applicant=request.user,
                    program=program,
                    role=role,
                    tier=form.tier,
                    **_submitted(form, identity_form),
                )
            except services.DuplicateApplication as exc:
                messages.info(request, "You already have an application for this; here it is.")
                return redirect(_detail_url(exc.existing))
            messages.success(
                request,
                f"Thank you: your {program.name} {role} application was submitted. "
                "We sent you a confirmation email.",
            )
            return redirect(_detail_url(application))
        status = INVALID_FORM_STATUS
    return render(
        request,
        "applications/apply.html",
        {
            "program": program,
            "role": role,
            "form": form,
            "identity_form": identity_form,
            "previous": previous,
            "intake_limited": role == Role.MENTEE and program.mentee_intake == MenteeIntake.LIMITED,
            "existing": selectors.live_applications_for_program(user=request.user, program=program, role=role)
            if tiers
            else [],
        },
        status=status,
    )


@login_required
def my_applications(request):
    return render(
        request,
        "applications/my_applications.html",
        {"applications": selectors.applications_for_applicant(request.user)},
    )


@login_required
def application_detail(request, pk):
    application = selectors.application_for_applicant(request.user, pk)
    return render(request, "applications/detail.html", {"application": application})


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request, pk):
    application = selectors.application_for_applicant(request.user, pk)
    if not application.is_editable_by_applicant:
        return _refuse(
            request,
            "This application can no longer be changed",
            "A coordinator has started reviewing it. To change something, write to the program "
            "coordinator; you can still withdraw it.",
            application=application,
        )
    program = application.program
    questions = selectors.questions_for(program, application.role)
    form_class = FORM_CLASSES[application.role]
    data = request.POST if request.method == "POST" else None
    form = form_class(data, program=program, questions=questions, application=application)
    identity_form = None
    if program.collects_identity:
        disclosure = getattr(application, "identity", None)
        identity_form = IdentityForm(data, program=program, role=application.role, disclosure=disclosure)
    status = 200
    if request.method == "POST":
        if _forms_valid(form, identity_form):
            try:
                services.application_update(
                    application=application, by=request.user, **_submitted(form, identity_form)
                )
            except services.ApplicationLocked as exc:
                return _refuse(
                    request,
                    "This application can no longer be changed",
                    exc.messages[0],
                    application=application,
                )
            messages.success(request, "Your changes were saved.")
            return redirect(_detail_url(application))
        status = INVALID_FORM_STATUS
    return render(
        request,
        "applications/apply.html",
        {
            "program": program,
            "role": application.role,
            "form": form,
            "identity_form": identity_form,
            "application": application,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_identity(request, pk):
    """Change the self-identification while the application is live; delete it at any time."""
    application = selectors.application_for_applicant(request.user, pk)
    if not application.program.collects_identity:
        return _refuse(
            request,
            "This program does not ask for self-identification",
            "There is nothing to change here.",
            status=404,
            application=application,
        )
    disclosure = getattr(application, "identity", None)
    if not application.is_live:
        # An ended application's answers can still be deleted, not changed.
        if disclosure is None:
            return _refuse(
                request,
                "This application has ended",
                "No self-identification answers are kept for it.",
                application=application,
            )
        if request.method == "POST" and "remove" not in request.POST:
            return _refuse(
                request,
                "This application has ended",
                "Its self-identification answers can be deleted but no longer changed.",
                application=application,
            )
    data = request.POST if request.method == "POST" else None
    form = IdentityForm(data, program=application.program, role=application.role, disclosure=disclosure)
    status = 200
    if request.method == "POST":
        if "remove" in request.POST:
            services.application_identity_update(application=application, by=request.user, data=None)
            messages.success(request, "Your self-identification answers were deleted.")
            return redirect(_detail_url(application))
        if form.is_valid():
            services.application_identity_update(
                application=application, by=request.user, data=form.disclosure_data()
            )
            messages.success(request, "Your self-identification answers were saved.")
            return redirect(_detail_url(application))
        status = INVALID_FORM_STATUS
    return render(
        request,
        "applications/identity.html",
        {
            "application": application,
            "identity_form": form if application.is_live else None,
            "has_disclosure": disclosure is not None,
            "retention": form.retention,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request, pk):
    application = selectors.application_for_applicant(request.user, pk)
    if not application.can_move_to(Status.WITHDRAWN):
        return _refuse(
            request,
            "This application cannot be withdrawn",
            f"It is {application.get_status_display().lower()} already.",
            application=application,
        )
    # Asked before withdrawing: afterwards there is nothing left to end.
    consequences = selectors.withdrawal_consequences(application)
    if request.method == "POST":
        try:
            services.application_withdraw(application=application, by=request.user)
        except services.InvalidTransition as exc:
            return _refuse(request, "This application cannot be withdrawn", exc.messages[0])
        done = "Your application was withdrawn"
        if application.program.collects_identity:
            done += " and your self-identification answers were deleted"
        done += "."
        for consequence in consequences:
            done += f" {consequence.done_message}"
        messages.success(request, done)
        return redirect("applications:mine")
    warnings = [
        render_to_string(c.template, {**c.context, "application": application}, request) for c in consequences
    ]
    return render(
        request,
        "applications/withdraw.html",
        {
            "application": application,
            "warnings": warnings,
            "confirm_label": " and ".join(c.confirm_label for c in consequences),
        },
    )
