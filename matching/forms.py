"""Forms of the matching board pages (validation only; the board's markup is
written by hand in its templates so that it works without JavaScript)."""

from __future__ import annotations

from django import forms

from .models import Match

END_REASON_MAX = Match._meta.get_field("end_reason").max_length


class EndMatchForm(forms.Form):
    reason = forms.CharField(
        max_length=END_REASON_MAX,
        error_messages={
            "required": "Say why the match ends.",
            "max_length": f"Keep the reason under {END_REASON_MAX} characters.",
        },
    )
    rematch = forms.TypedChoiceField(
        choices=[("yes", "Re-match"), ("no", "End their participation")],
        coerce=lambda value: value == "yes",
        initial="yes",
        error_messages={"invalid_choice": "Choose what happens to the mentee."},
    )


# --- Requests after the round ----------------------------------------------

REQUEST_MESSAGE_MAX = 1000


class MentorRequestForm(forms.Form):
    message = forms.CharField(
        label="A note to the mentor (optional)",
        required=False,
        max_length=REQUEST_MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why you would like them as your mentor. They see it with what your application says "
        "about your interests and hopes, never your contact details.",
        error_messages={"max_length": f"Keep the note under {REQUEST_MESSAGE_MAX} characters."},
    )


class DeclineRequestForm(forms.Form):
    reason = forms.CharField(
        label="Why not? (optional, only the coordinators see it)",
        required=False,
        max_length=REQUEST_MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"Keep the reason under {REQUEST_MESSAGE_MAX} characters."},
    )
