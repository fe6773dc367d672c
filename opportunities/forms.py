from __future__ import annotations

from django import forms
from django.conf import settings
from django.db import models

from programs.models import LearnerType, Specialty

from .models import DeadlinePrecision, Format, HostType, Kind, Opportunity
from .services.history import SCALAR_FIELDS, TRACKED_FIELDS, OpportunityDuplicate, opportunity_check_unique

SPECIALTY_MAX_LENGTH = Specialty._meta.get_field("name").max_length


class SuggestionForm(forms.Form):
    """A proposed opportunity or correction. Specialties are picked from the
    shared list, and new ones may be typed in."""

    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Kind.choices)
    host_type = forms.ChoiceField(choices=HostType.choices)
    host_name = forms.CharField(
        label="Host", max_length=200, help_text="The program, department, hospital or association."
    )
    specialties = forms.ModelMultipleChoiceField(
        queryset=Specialty.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_specialties = forms.CharField(
        label="Other specialties",
        required=False,
        max_length=300,
        help_text="Not in the list? Type them here, separated by semicolons.",
    )
    eligible_learners = forms.ModelMultipleChoiceField(
        queryset=LearnerType.objects.order_by("order", "code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    how_to_join = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    website = forms.URLField(max_length=500, required=False, assume_scheme="https")
    contact_email = forms.EmailField(required=False, max_length=254)
    deadline = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty if rolling or unknown.",
    )
    is_rolling = forms.BooleanField(label="Rolling (applications accepted at any time)", required=False)
    cost = forms.CharField(max_length=200, required=False)
    format = forms.ChoiceField(choices=[("", "Not known")] + Format.choices, required=False)
    message = forms.CharField(
        label="Note to the staff",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What changed, or where you heard of it. Optional.",
    )

    @classmethod
    def initial_for(cls, opportunity: Opportunity) -> dict:
        return {
            **{name: getattr(opportunity, name) for name in PROPOSED_SCALARS},
            "specialties": list(opportunity.specialties.all()),
            "eligible_learners": list(opportunity.eligible_learners.all()),
        }

    def clean_other_specialties(self):
        names = [" ".join(s.split()) for s in self.cleaned_data["other_specialties"].split(";") if s.strip()]
        too_long = [n for n in names if len(n) > SPECIALTY_MAX_LENGTH]
        if too_long:
            raise forms.ValidationError(
                f"A specialty name can be at most {SPECIALTY_MAX_LENGTH} characters: "
                "separate several with semicolons."
            )
        return names

    def clean(self):
        data = super().clean()
        if data.get("is_rolling") and data.get("deadline"):
            self.add_error("deadline", "A rolling opportunity has no deadline: clear one or the other.")
        return data

    def proposed(self) -> dict:
        """The cleaned values as JSON for ``Suggestion.proposed``."""
        data = self.cleaned_data
        proposed = {name: data[name] for name in PROPOSED_SCALARS}
        proposed["deadline"] = data["deadline"].isoformat() if data["deadline"] else None
        proposed["specialties"] = sorted(
            {s.name for s in data["specialties"]} | set(data["other_specialties"])
        )
        proposed["eligible_learners"] = sorted(t.code for t in data["eligible_learners"])
        return proposed


# What a person may propose: every tracked field but the ones staff keep
# (verification and publication).
PROPOSED_SCALARS = [
    name for name in SCALAR_FIELDS if name not in ("last_verified", "is_published", "deadline_precision")
]


PUBLISH_CHOICES = [
    ("publish", "Publish new entries at once"),
    ("draft", "Keep new entries as drafts (unpublished) for me to review"),
]


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="Spreadsheet (.xlsx)")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # .xlsm is let through to the content check, which says why it is refused.
        if not upload.name.lower().endswith((".xlsx", ".xlsm")):
            raise forms.ValidationError("Upload the spreadsheet as an Excel .xlsx file.")
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
            )
        return upload


class ImportConfirmForm(forms.Form):
    token = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)
    publish = forms.ChoiceField(
        label="New entries",
        choices=PUBLISH_CHOICES,
        initial="publish",
        widget=forms.RadioSelect,
        help_text="Entries already in the database keep their published state.",
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sent to the person who made the suggestion.",
    )


def _https_by_default(field, **kwargs):
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class OpportunityAdminForm(forms.ModelForm):
    """The admin's form: two records cannot share a name and host (the
    natural key is not a form field, so the model form cannot see it)."""

    class Meta:
        model = Opportunity
        fields = TRACKED_FIELDS
        formfield_callback = _https_by_default

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Most deadlines are days: a form that leaves the choice out keeps it.
        self.fields["deadline_precision"].required = False

    def clean_deadline_precision(self):
        return self.cleaned_data.get("deadline_precision") or DeadlinePrecision.DAY

    def clean(self):
        data = super().clean()
        if data.get("name") and data.get("host_name"):
            try:
                opportunity_check_unique(name=data["name"], host_name=data["host_name"], pk=self.instance.pk)
            except OpportunityDuplicate as exc:
                raise forms.ValidationError(str(exc)) from None
        return data
