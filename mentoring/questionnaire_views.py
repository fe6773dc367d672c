"""Answering a check-in or evaluation, and the reminder settings: pages for
the people of a pair. Coordinators read answers in the admin, never here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from matching.models import MatchStatus

from .access import match_for_pair
from .models import LIKERT_LABELS, NudgePreference
from .questionnaire_forms import NudgePreferenceForm, QuestionnaireForm
from .questionnaires import (
    QuestionnaireError,
    questionnaire_is_open,
    questionnaire_respond,
    questionnaires_of_match,
    response_of,
)


@login_required
def questionnaire_answer(request, match_id: int, questionnaire_id: int):
    """One questionnaire of one match, for the person of the pair whose role
    it is for. Anyone else, the other person included, gets a 404: a mentee's
    questionnaire (and, once answered, their answers) does not exist for them."""
    access = match_for_pair(request.user, match_id)
    match, role = access.match, access.role
    questionnaire = get_object_or_404(questionnaires_of_match(match), pk=questionnaire_id, role=role)
    context = {"match": match, "questionnaire": questionnaire, "program": match.round.program}
    response = response_of(match, questionnaire)
    if response is not None:
        answers = [
            (a.item.text, LIKERT_LABELS.get(a.likert, "") if a.likert else a.text)
            for a in response.answers.all()
        ]
        return render(
            request, "mentoring/questionnaire.html", {**context, "response": response, "answers": answers}
        )
    if match.status != MatchStatus.PUBLISHED or not questionnaire_is_open(questionnaire):
        return render(request, "mentoring/questionnaire.html", {**context, "closed": True})
    items = list(questionnaire.items.all())
    form = QuestionnaireForm(request.POST if request.method == "POST" else None, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire_respond(
                match=match, questionnaire=questionnaire, user=request.user, answers=form.answers()
            )
        except QuestionnaireError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Thank you: your answers to {questionnaire.title} are saved.")
            return redirect(request.path)
    return render(
        request, "mentoring/questionnaire.html", {**context, "form": form, "today": timezone.localdate()}
    )


@login_required
def nudge_settings(request):
    """Turn the optional reminders on or off (evaluations are always sent)."""
    preference = NudgePreference.objects.filter(user=request.user).first() or NudgePreference(
        user=request.user
    )
    form = NudgePreferenceForm(request.POST if request.method == "POST" else None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        state = "on" if form.instance.optional_nudges else "off"
        messages.success(request, f"Your optional reminders are {state}.")
        return redirect("mentoring:nudges")
    return render(request, "mentoring/nudges.html", {"form": form})
