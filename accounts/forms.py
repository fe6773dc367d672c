from __future__ import annotations

from django import forms

from .models import LearnerStage, User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "pronouns", "learner_stage", "year"]
        widgets = {"year": forms.NumberInput(attrs={"min": 1, "max": 10})}

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_year(self):
        year = self.cleaned_data.get("year")
        if year is not None and not 1 <= year <= 10:
            raise forms.ValidationError("Enter a year between 1 and 10.")
        return year

    def clean(self):
        cleaned = super().clean()
        stage, year = cleaned.get("learner_stage"), cleaned.get("year")
        if stage == LearnerStage.MD and year is not None and year > 4:
            self.add_error("year", "MD students are in year 1 to 4.")
        if stage in (LearnerStage.MD, LearnerStage.PGY) and year is None and "year" not in self.errors:
            self.add_error("year", "Enter your year of study or postgraduate year.")
        return cleaned
