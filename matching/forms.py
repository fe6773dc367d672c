"""Forms of the matching board pages (validation only; the board's markup is
written by hand in its templates so that it works without JavaScript), and the
mentor's profile form."""

from __future__ import annotations

from django import forms

from applications.forms import ChoicesField
from applications.models import Availability, HospitalSite, IdentityDimension, MeetingFormat
from programs.models import Outcome, Specialty

from .models import Match, MentorProfile

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


# --- Participant choice (issue 13) ---------------------------------------------


class MentorProfileForm(forms.ModelForm):
    """What a mentor shows mentees. Self-identification: only the dimensions
    of the mentor's own disclosure are offered, none ticked to begin with."""

    hospital_site = forms.ChoiceField(
        label="Main site", choices=[("", "Not shown"), *HospitalSite.choices], required=False
    )
    meeting_format = forms.ChoiceField(
        label="How you like to meet",
        choices=MeetingFormat.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you like to meet."},
    )
    availability = forms.MultipleChoiceField(
        label="When you are usually available",
        choices=Availability.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    specialties = ChoicesField(
        label="Your specialties and fields",
        queryset=Specialty.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    offers = ChoicesField(
        label="What you can offer mentees",
        queryset=Outcome.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    shown_identity = ChoicesField(
        label="Show mentees these parts of your self-identification",
        queryset=IdentityDimension.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Optional. Nothing is shown unless you tick it here; you can untick it at any time.",
    )

    class Meta:
        model = MentorProfile
        fields = [
            "pronouns",
            "headline",
            "hospital_site",
            "specialties",
            "interests",
            "offers",
            "meeting_format",
            "availability",
            "about",
            "shown_identity",
        ]
        labels = {
            "headline": "Your role and year or specialty",
            "interests": "Your interests",
            "about": "About you, in your own words",
        }
        help_texts = {
            "pronouns": "Optional. For example she/her, they/them.",
            "interests": "Optional. Clinical, research, teaching or other interests.",
            "about": "Optional. What a mentee should know about you (up to 1500 characters).",
        }
        error_messages = {
            "headline": {
                "required": "Enter your role and year or specialty, for example “PGY2, Internal Medicine”.",
                "max_length": "Keep it under 150 characters.",
            },
            "interests": {"max_length": "Keep your interests under 1000 characters."},
            "about": {"max_length": "Keep it under 1500 characters."},
            "pronouns": {"max_length": "Keep your pronouns under 40 characters."},
        }
        widgets = {
            "interests": forms.Textarea(attrs={"rows": 3}),
            "about": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, dimensions=(), **kwargs):
        """``dimensions``: the mentor's own disclosed dimensions (without
        "prefer not to say"), the only ones they may choose to show."""
        super().__init__(*args, **kwargs)
        application = self.instance.application
        self.fields["offers"].queryset = application.program.outcomes.all()
        if not self.fields["offers"].queryset.exists():
            del self.fields["offers"]
        ids = [d.pk for d in dimensions]
        if ids:
            self.fields["shown_identity"].queryset = IdentityDimension.objects.filter(pk__in=ids)
        else:
            del self.fields["shown_identity"]


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
