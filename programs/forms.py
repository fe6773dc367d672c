"""Forms of programs' admin pages (validation only)."""

from __future__ import annotations

from django import forms


class CoordinatorAddForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter the coordinator's email address.",
            "invalid": "Enter an email address in the form name@example.com.",
        },
    )
    name = forms.CharField(label="Full name (optional)", max_length=150, required=False)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()
