from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def my_mentorships(request):
    """The person's published matches, as mentee or mentor."""
    rows = []
    for match in selectors.mentorships_for(request.user):
        is_mentee = match.mentee.applicant_id == request.user.pk
        rows.append(
            {
                "match": match,
                "role": "Mentee" if is_mentee else "Mentor",
                "other": match.mentor.applicant if is_mentee else match.mentee.applicant,
            }
        )
    return render(request, "matching/mine.html", {"rows": rows})
