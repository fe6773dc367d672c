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
