"""Forms of the mentorship year's pages (validation only; the views call services)."""

from __future__ import annotations

from django import forms

from matching.models import Match

from .models import Meeting, MeetingFormat, SupportKind, SupportRequest
from .services import MAX_MINUTES, MIN_MINUTES, meeting_date_error

NOTE_MAX = Meeting._meta.get_field("note").max_length
REQUEST_MAX = SupportRequest._meta.get_field("text").max_length


class MeetingForm(forms.Form):
    met_on = forms.DateField(
        label="Date of the meeting",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Enter the date you met.",
            "invalid": "Enter a real date, like 2026-10-14.",
        },
    )
    minutes = forms.IntegerField(
        label="Length (minutes)",
        min_value=MIN_MINUTES,
        max_value=MAX_MINUTES,
        help_text=f"From {MIN_MINUTES} to {MAX_MINUTES} minutes; an hour and a half is 90.",
        error_messages={
            "required": "Enter how long you met, in minutes.",
            "invalid": "Enter the length as a whole number of minutes.",
            "min_value": f"Enter a length from {MIN_MINUTES} to {MAX_MINUTES} minutes.",
            "max_value": f"Enter a length from {MIN_MINUTES} to {MAX_MINUTES} minutes.",
        },
    )
    format = forms.ChoiceField(
        label="How you met",
        choices=MeetingFormat.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you met.", "invalid_choice": "Choose how you met."},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Only the two of you can read this note; coordinators cannot.",
        error_messages={"max_length": f"Keep the note under {NOTE_MAX} characters."},
    )

    def __init__(self, *args, match: Match, **kwargs):
        self.match = match
        super().__init__(*args, **kwargs)

    def clean_met_on(self):
        met_on = self.cleaned_data["met_on"]
        error = meeting_date_error(match=self.match, met_on=met_on)
        if error:
            raise forms.ValidationError(error)
        return met_on


class SupportRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label="What do you need?",
        choices=[
            (SupportKind.HELP, "Help from the coordinators"),
            (SupportKind.REMATCH, "A different mentor or mentee (a rematch)"),
            (SupportKind.END_EARLY, "To end the mentorship early"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what you need.", "invalid_choice": "Choose what you need."},
    )
    text = forms.CharField(
        label="Tell the coordinators more",
        max_length=REQUEST_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Only the program's coordinators read this; the other person is not told.",
        error_messages={
            "required": "Tell the coordinators what you need.",
            "max_length": f"Keep it under {REQUEST_MAX} characters.",
        },
    )
