"""The form for answering a check-in or evaluation, and the reminder settings."""

from __future__ import annotations

from django import forms

from .models import LIKERT_LABELS, ItemKind, NudgePreference, QuestionnaireItem


def item_field(item: QuestionnaireItem) -> forms.Field:
    """The form field for one question of a questionnaire."""
    common = {
        "label": item.text,
        "required": item.required,
        "error_messages": {"required": "Answer this question."},
    }
    if item.kind == ItemKind.LIKERT:
        return forms.TypedChoiceField(
            choices=[(str(value), label) for value, label in LIKERT_LABELS.items()],
            coerce=int,
            widget=forms.RadioSelect,
            **common,
        )
    if item.kind == ItemKind.CHOICE:
        return forms.ChoiceField(
            choices=[(c, c) for c in item.choice_list], widget=forms.RadioSelect, **common
        )
    return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=4000, **common)


class QuestionnaireForm(forms.Form):
    def __init__(self, *args, items: list[QuestionnaireItem], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[self.key(item)] = item_field(item)

    @staticmethod
    def key(item: QuestionnaireItem) -> str:
        return f"item_{item.pk}"

    def answers(self) -> dict[int, int | str | None]:
        """Item id → the answer (None for an optional question left blank)."""
        return {item.pk: self.cleaned_data.get(self.key(item)) or None for item in self.items}


class NudgePreferenceForm(forms.ModelForm):
    class Meta:
        model = NudgePreference
        fields = ["optional_nudges"]
        labels = {
            "optional_nudges": "Send me reminders to meet, to confirm our agreement and to answer check-ins",
        }
        help_texts = {
            "optional_nudges": "Reminders of the midpoint and closing evaluations are always sent: "
            "the program needs them from everyone.",
        }
