from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from programs.selectors import program_for_public


@login_required
def apply_mentee(request, slug):
    program = program_for_public(slug)
    return render(request, "applications/coming_soon.html", {"program": program, "role": "mentee"})


@login_required
def apply_mentor(request, slug):
    program = program_for_public(slug)
    return render(request, "applications/coming_soon.html", {"program": program, "role": "mentor"})


@login_required
def my_applications(request):
    return render(request, "applications/coming_soon.html", {"role": "my"})
