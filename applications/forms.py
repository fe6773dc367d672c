"""The mentee and mentor application forms, the program's own questions and
the optional self-identification. Validation only; the views call services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from programs.models import LearnerType, Program, Specialty, Tier

from .eligibility import (
    MENTEE_CODES,
    MENTOR_YEARS,
    allowed_types,
    eligibility_error,
    mentee_code_for_profile,
    mentee_year,
    mentor_learner_code,
    mentor_role_for_profile,
    offered_types,
)
from .models import (
    Application,
    Availability,
    HospitalSite,
    MeetingFormat,
    MeetingFrequency,
    MentorRole,
    Question,
    Role,
)
from .selectors import identity_dimensions_for

SHORT_ANSWER_MAX = 300
LONG_ANSWER_MAX = 2000
YES_NO = [("yes", "Yes"), ("no", "No")]


class ChoicesField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows that refuses, as a choice not offered, an id
    too large for the database (SQLite raises on one rather than finding nothing)."""

    def _check_values(self, value):
        for pk in value:
            if isinstance(pk, str) and pk.isdigit() and len(pk) > 18:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)


class TierChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Tier) -> str:
        return f"{obj.name}: {obj.description}"


def question_field(question: Question, required: bool | None = None) -> forms.Field:
    """The form field for one of a program's own questions."""
    common = {
        "label": question.text,
        "help_text": question.help_text,
        "required": question.required if required is None else required,
        "error_messages": {"required": "Answer this question."},
    }
    kind = question.kind
    if kind == Question.Kind.LONG_TEXT:
        return forms.CharField(max_length=LONG_ANSWER_MAX, widget=forms.Textarea(attrs={"rows": 4}), **common)
    if kind == Question.Kind.SINGLE_CHOICE:
        return forms.ChoiceField(
            choices=[(c, c) for c in question.choice_list], widget=forms.RadioSelect, **common
        )
    if kind == Question.Kind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in question.choice_list], widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == Question.Kind.YES_NO:
        return forms.TypedChoiceField(
            choices=YES_NO,
            coerce=lambda value: value == "yes",
            empty_value=None,
            widget=forms.RadioSelect,
            **common,
        )
    return forms.CharField(max_length=SHORT_ANSWER_MAX, **common)


def answer_initial(question: Question, value: Any) -> Any:
    if question.kind == Question.Kind.YES_NO and isinstance(value, bool):
        return "yes" if value else "no"
    return value


class ApplicationForm(forms.Form):
    """What both roles share: the tier (for programs with tiers), meeting
    preferences, availability and the program's own questions."""

    role: str = ""

    meeting_format = forms.ChoiceField(
        label="Preferred meeting format",
        choices=MeetingFormat.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a meeting format."},
    )
    availability = forms.MultipleChoiceField(
        label="When are you usually available?",
        choices=Availability.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose all that apply.",
        error_messages={"required": "Choose at least one time when you are usually available."},
    )

    def __init__(
        self,
        *args,
        program: Program,
        questions: list[Question],
        application: Application | None = None,
        previous: Application | None = None,
        user=None,
        **kwargs,
    ):
        """``application``: the one being changed. ``previous``: for a new
        application, the person's last withdrawn one, whose answers it starts from."""
        self.program = program
        self.application = application
        self.questions = questions
        if application is not None:
            kwargs.setdefault("initial", self.initial_from(application))
        elif previous is not None:
            kwargs.setdefault("initial", {**self.initial_from(previous), "tier": previous.tier_id})
        elif user is not None:
            kwargs.setdefault("initial", self.initial_from_profile(user))
        super().__init__(*args, **kwargs)
        self.tiers = list(program.tiers.all())
        if self.tiers and application is None:
            self.fields["tier"] = TierChoiceField(
                label="Tier",
                queryset=program.tiers.all(),
                widget=forms.RadioSelect,
                empty_label=None,
                help_text="Choose the tier you are eligible for.",
                error_messages={"required": "Choose a tier."},
            )
            self.order_fields(["tier"])
        self.outcome_choices = list(program.outcomes.all())
        for question in questions:
            self.fields[self.question_key(question)] = question_field(question)

    # --- Prefill -------------------------------------------------------

    def initial_from(self, application: Application) -> dict[str, Any]:
        initial = {
            "meeting_format": application.meeting_format,
            "availability": list(application.availability),
            "outcomes": [o.pk for o in application.outcomes.all()],
        }
        answers = {a.question_id: a for a in application.answers.all()}
        for question in self.questions:
            if question.pk in answers:
                initial[self.question_key(question)] = answer_initial(question, answers[question.pk].value)
        return initial

    def initial_from_profile(self, user) -> dict[str, Any]:
        return {}

    # --- Reading the cleaned data ----------------------------------------

    @staticmethod
    def question_key(question: Question) -> str:
        return f"question_{question.pk}"

    @property
    def tier(self) -> Tier | None:
        if self.application is not None:
            return self.application.tier
        return self.cleaned_data.get("tier") if self.tiers else None

    def answers(self) -> dict[Question, Any]:
        """Question → answer; unanswered optional questions map to None."""
        result: dict[Question, Any] = {}
        for question in self.questions:
            value = self.cleaned_data.get(self.question_key(question))
            result[question] = None if value in (None, "", []) else value
        return result

    def offered_types(self) -> list[LearnerType] | None:
        """The learner types this form may offer: the application's tier's when
        changing one, else those any tier of the program admits (None: any)."""
        if self.application is not None:
            return allowed_types(self.program, self.application.tier, self.role) or None
        return offered_types(self.program, self.role)

    def question_fields(self) -> list[forms.BoundField]:
        return [self[self.question_key(q)] for q in self.questions]

    def check_eligibility(self, learner_type: LearnerType | None, field: str, chosen: str) -> None:
        if learner_type is None or (self.tiers and self.tier is None):
            return
        message = eligibility_error(
            program=self.program, tier=self.tier, role=self.role, learner_type=learner_type, chosen=chosen
        )
        if message:
            self.add_error(field, message)

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        raise NotImplementedError

    def fields_in_order(self) -> list[forms.BoundField]:
        """The fields in the order the page shows them: the sections, then the
        program's questions (the error summary lists its errors in this order)."""
        return [field for _, fields in self.sections() for field in fields] + self.question_fields()


class MenteeApplicationForm(ApplicationForm):
    role = Role.MENTEE

    learner_type = forms.ModelChoiceField(
        label="Learner type and year",
        queryset=LearnerType.objects.none(),
        empty_label="Choose…",
        error_messages={
            "required": "Choose your learner type and year.",
            "invalid_choice": "Choose one of the learner types in the list.",
        },
    )
    outcomes = ChoicesField(
        label="What do you join the program for?",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose one or both.",
        error_messages={"required": "Choose at least one reason for joining."},
    )
    specialties = ChoicesField(
        label="Specialty interests",
        queryset=Specialty.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Optional. Choose any you are curious about.",
    )
    hopes = forms.CharField(
        label="What do you hope for from a mentor?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="A few sentences are enough (at most 2,000 characters).",
        error_messages={"required": "Tell us briefly what you hope for from a mentor."},
    )
    meeting_frequency = forms.ChoiceField(
        label="How often would you like to meet?",
        choices=MeetingFrequency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how often you would like to meet."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the types the program (or one of its tiers) admits: a choice
        # the server would refuse is not offered.
        queryset = LearnerType.objects.filter(code__in=MENTEE_CODES)
        offered = self.offered_types()
        if offered is not None:
            queryset = queryset.filter(pk__in=[t.pk for t in offered])
        self.fields["learner_type"].queryset = queryset.order_by("order", "code")
        if self.outcome_choices:
            self.fields["outcomes"].queryset = self.program.outcomes.all()
        else:
            del self.fields["outcomes"]

    def initial_from(self, application):
        return {
            **super().initial_from(application),
            "learner_type": application.learner_type_id,
            "specialties": [s.pk for s in application.specialties.all()],
            "hopes": application.hopes,
            "meeting_frequency": application.meeting_frequency,
        }

    def initial_from_profile(self, user):
        code = mentee_code_for_profile(user.learner_stage, user.year)
        learner_type = LearnerType.objects.filter(code=code).first() if code else None
        return {"learner_type": learner_type.pk} if learner_type else {}

    def clean(self):
        data = super().clean()
        learner_type = data.get("learner_type")
        if learner_type is not None:
            self.check_eligibility(learner_type, "learner_type", f"you chose {learner_type.label}")
        return data

    def application_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "learner_type": data["learner_type"],
            "year": mentee_year(data["learner_type"].code),
            "meeting_format": data["meeting_format"],
            "meeting_frequency": data["meeting_frequency"],
            "availability": list(data["availability"]),
            "hopes": data["hopes"],
        }

    def specialty_list(self) -> list[Specialty]:
        return list(self.cleaned_data.get("specialties") or [])

    def outcome_list(self):
        return list(self.cleaned_data.get("outcomes") or [])

    def sections(self):
        about = [self["learner_type"]]
        if "tier" in self.fields:
            about.insert(0, self["tier"])
        interests = [self["outcomes"]] if "outcomes" in self.fields else []
        interests += [self["specialties"], self["hopes"]]
        return [
            ("About you", about),
            ("What you are looking for", interests),
            ("Meeting", [self["meeting_format"], self["meeting_frequency"], self["availability"]]),
        ]


class MentorApplicationForm(ApplicationForm):
    role = Role.MENTOR

    mentor_role = forms.ChoiceField(
        label="Your role",
        choices=MentorRole.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose your role."},
    )
    year = forms.TypedChoiceField(
        label="Year",
        choices=[("", "Not applicable")] + [(str(n), str(n)) for n in range(1, 8)],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Residents: your PGY year. MD students: your year of study. Clinicians: leave it as is.",
    )
    specialty = forms.ModelChoiceField(
        label="Specialty",
        queryset=Specialty.objects.all(),
        required=False,
        empty_label="Choose…",
        help_text="Required for clinicians and residents; MD students may leave it blank.",
    )
    department = forms.CharField(
        label="Department or division",
        max_length=200,
        required=False,
        help_text="For example: Department of Medicine, Division of Cardiology. Required for clinicians.",
    )
    hospital_site = forms.ChoiceField(
        label="Main hospital site",
        choices=[("", "Choose…"), *HospitalSite.choices],
        error_messages={"required": "Choose your main hospital site (or the university campus)."},
    )
    capacity = forms.IntegerField(
        label="How many mentees can you take?",
        min_value=1,
        max_value=10,
        initial=1,
        help_text="From 1 to 10.",
        error_messages={
            "required": "Enter how many mentees you can take, from 1 to 10.",
            "min_value": "You can take at least 1 mentee.",
            "max_value": "You can take at most 10 mentees.",
            "invalid": "Enter a whole number from 1 to 10.",
        },
    )
    outcomes = ChoicesField(
        label="What can you offer mentees?",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Optional. Choose any that apply.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.outcome_choices:
            self.fields["outcomes"].queryset = self.program.outcomes.all()
        else:
            del self.fields["outcomes"]
        offered = self.offered_types()
        if offered is not None:
            codes = {t.code for t in offered}
            self.fields["mentor_role"].choices = [
                (value, label) for value, label in MentorRole.choices if MENTOR_ROLE_CODES[value] & codes
            ]

    def initial_from(self, application):
        specialty = next(iter(application.specialties.all()), None)
        return {
            **super().initial_from(application),
            "mentor_role": application.mentor_role,
            "year": application.year,
            "specialty": specialty.pk if specialty else None,
            "department": application.department,
            "hospital_site": application.hospital_site,
            "capacity": application.capacity,
        }

    def initial_from_profile(self, user):
        mentor_role, year = mentor_role_for_profile(user.learner_stage, user.year)
        return {"mentor_role": mentor_role, "year": year} if mentor_role else {}

    def clean(self):
        data = super().clean()
        mentor_role, year = data.get("mentor_role"), data.get("year")
        if mentor_role == MentorRole.CLINICIAN:
            data["year"] = year = None
            if not data.get("department") and "department" not in self.errors:
                self.add_error("department", "Enter your department or division.")
        elif mentor_role in MENTOR_YEARS and "year" not in self.errors:
            years = MENTOR_YEARS[mentor_role]
            if year is None:
                what = "PGY year" if mentor_role == MentorRole.RESIDENT else "year of study"
                self.add_error("year", f"Choose your {what}.")
            elif year not in years:
                self.add_error("year", f"MD students choose a year from {years[0]} to {years[-1]}.")
        needs_specialty = mentor_role in (MentorRole.CLINICIAN, MentorRole.RESIDENT)
        if needs_specialty and not data.get("specialty") and "specialty" not in self.errors:
            self.add_error("specialty", "Choose your specialty.")
        if mentor_role and not self.errors.get("year"):
            code = mentor_learner_code(mentor_role, data.get("year"))
            if code:
                learner_type = LearnerType.objects.filter(code=code).first()
                if learner_type is None:
                    self.add_error("mentor_role", "This program does not take mentors in that role yet.")
                else:
                    data["learner_type"] = learner_type
                    self.check_eligibility(learner_type, "mentor_role", self.describe_mentor(data))
        return data

    @staticmethod
    def describe_mentor(data) -> str:
        mentor_role, year = data.get("mentor_role"), data.get("year")
        if mentor_role == MentorRole.CLINICIAN:
            return "you are a clinician"
        if mentor_role == MentorRole.RESIDENT:
            return f"you are a resident in PGY{year}"
        return f"you are an MD student in year {year}"

    def application_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "learner_type": data["learner_type"],
            "year": data.get("year"),
            "mentor_role": data["mentor_role"],
            "department": data.get("department", ""),
            "hospital_site": data["hospital_site"],
            "capacity": data["capacity"],
            "meeting_format": data["meeting_format"],
            "availability": list(data["availability"]),
        }

    def specialty_list(self) -> list[Specialty]:
        specialty = self.cleaned_data.get("specialty")
        return [specialty] if specialty else []

    def outcome_list(self):
        return list(self.cleaned_data.get("outcomes") or [])

    def sections(self):
        about = [
            self["mentor_role"],
            self["year"],
            self["specialty"],
            self["department"],
            self["hospital_site"],
        ]
        if "tier" in self.fields:
            about.insert(0, self["tier"])
        offer = [self["capacity"]] + ([self["outcomes"]] if "outcomes" in self.fields else [])
        return [
            ("About you", about),
            ("Mentoring", offer),
            ("Meeting", [self["meeting_format"], self["availability"]]),
        ]


# The learner types each mentor role can count as (eligibility.mentor_learner_code).
MENTOR_ROLE_CODES = {
    MentorRole.CLINICIAN: {"FAC"},
    MentorRole.RESIDENT: {f"PGY{year}" for year in MENTOR_YEARS[MentorRole.RESIDENT]} | {"RES"},
    MentorRole.STUDENT: {f"MD{year}" for year in MENTOR_YEARS[MentorRole.STUDENT]},
}

FORM_CLASSES = {Role.MENTEE: MenteeApplicationForm, Role.MENTOR: MentorApplicationForm}


def retention_in_words(days: int) -> str:
    """IDENTITY_RETENTION_DAYS as the pages say it: "one year", "2 years",
    "90 days"; empty for 0 (deleted by the next daily run)."""
    if days == 0:
        return ""
    if days % 365 == 0:
        years = days // 365
        return "one year" if years == 1 else f"{years} years"
    return "one day" if days == 1 else f"{days} days"


class IdentityForm(forms.Form):
    """Optional self-identification: every field optional, consent separate."""

    dimensions = ChoicesField(
        label="I identify as",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Optional. Choose any that apply, or none.",
    )
    self_described = forms.CharField(
        label="Another identity, in your own words",
        max_length=200,
        required=False,
        help_text="Optional (at most 200 characters).",
    )
    consent_to_matching = forms.BooleanField(
        label="I consent to the program's coordinators using these answers to match me with a "
        "mentor or mentee.",
        required=False,
    )
    consent_to_reporting = forms.BooleanField(
        label="I consent to these answers being counted, without my name, in the program's reports "
        "to the faculty.",
        required=False,
        help_text="Reports show numbers only, and never a number under 5.",
    )
    wants_shared_identity = forms.BooleanField(
        label="I would like a mentor who shares an identity with me, if one is available.",
        required=False,
        help_text="Optional and never required.",
    )

    def __init__(self, *args, program: Program, role: str, disclosure=None, **kwargs):
        self.program = program
        if disclosure is not None:
            kwargs.setdefault(
                "initial",
                {
                    "dimensions": [d.pk for d in disclosure.dimensions.all()],
                    "self_described": disclosure.self_described,
                    "consent_to_matching": disclosure.consent_to_matching,
                    "consent_to_reporting": disclosure.consent_to_reporting,
                    "wants_shared_identity": disclosure.wants_shared_identity,
                },
            )
        kwargs.setdefault("prefix", "identity")
        super().__init__(*args, **kwargs)
        self.fields["dimensions"].queryset = identity_dimensions_for(program)
        if role != Role.MENTEE:
            del self.fields["wants_shared_identity"]
        self.retention = retention_in_words(settings.IDENTITY_RETENTION_DAYS)

    def clean(self):
        data = super().clean()
        dimensions = list(data.get("dimensions") or [])
        if any(d.is_prefer_not for d in dimensions) and (len(dimensions) > 1 or data.get("self_described")):
            self.add_error(
                "dimensions",
                "You chose “prefer not to say” along with other answers: keep one or the other.",
            )
        if data.get("wants_shared_identity") and not data.get("consent_to_matching"):
            self.add_error(
                "consent_to_matching",
                "To be matched with a mentor who shares an identity, also consent to the coordinators "
                "using your answers for matching (or untick the wish for a shared identity).",
            )
        return data

    def disclosure_data(self) -> dict[str, Any] | None:
        """The answers to store, or None when nothing was given."""
        data = self.cleaned_data
        result = {
            "dimensions": list(data.get("dimensions") or []),
            "self_described": data.get("self_described", ""),
            "consent_to_matching": bool(data.get("consent_to_matching")),
            "consent_to_reporting": bool(data.get("consent_to_reporting")),
            "wants_shared_identity": bool(data.get("wants_shared_identity")),
        }
        if not any(result.values()):
            return None
        return result


class ExportForm(forms.Form):
    include_identity = forms.BooleanField(
        label="Include self-identification columns",
        required=False,
        help_text="Only the answers of applicants who gave them. The export is recorded.",
    )
