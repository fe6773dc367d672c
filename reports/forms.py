"""The report's filters: a tier, and a program year or one of its terms."""

from __future__ import annotations

from django import forms

from mentoring.models import ProgramYear, Term
from programs.models import Program, Tier


class ReportFilterForm(forms.Form):
    tier = forms.ChoiceField(label="Tier", required=False)
    period = forms.ChoiceField(
        label="Program year or term",
        required=False,
        help_text="Applications of the year's intake, and pairs active in the period.",
    )

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.tiers = {str(t.pk): t for t in Tier.objects.filter(program=program).order_by("number")}
        self.fields["tier"].choices = [("", "All tiers")] + [(k, str(t.name)) for k, t in self.tiers.items()]
        years = ProgramYear.objects.filter(program=program).order_by("-starts_on")
        terms = Term.objects.filter(year__program=program).order_by("starts_on")
        self.periods: dict[str, ProgramYear | Term] = {}
        choices: list = [("", "All years")]
        for year in years:
            options = [(f"y{year.pk}", f"{year.name} (the whole year)")]
            self.periods[f"y{year.pk}"] = year
            for term in terms:
                if term.year_id == year.pk:
                    options.append((f"t{term.pk}", f"{year.name}: {term.name}"))
                    self.periods[f"t{term.pk}"] = term
            choices.append((year.name, options))
        self.fields["period"].choices = choices

    def filters(self) -> dict:
        """The tier, year and term chosen (None for "all"); all None when the
        form is not valid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        period = self.periods.get(data.get("period") or "")
        return {
            "tier": self.tiers.get(data.get("tier") or ""),
            "year": period if isinstance(period, ProgramYear) else None,
            "term": period if isinstance(period, Term) else None,
        }
