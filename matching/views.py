from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def my_mentorships(request):
    """The person's published matches, as mentee or mentor."""
    return render(request, "matching/mine.html", {"rows": selectors.mentorship_rows_for(request.user)})
