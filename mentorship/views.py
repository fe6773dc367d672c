"""Pages that put several apps together, and the error pages.

The landing page shows the programs and the Learner Mentorship Database's last
update (opportunities); a program's page shows the program, its apply buttons
(applications) and the status of its matching round (matching). programs, the
base app, may import none of those, so these views live here, on top."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils import timezone

from matching.selectors import public_round_status, ranking_windows
from opportunities.selectors import database_last_updated
from programs import selectors as program_selectors

from .selectors import home_for


def landing(request):
    content = program_selectors.site_content()
    return render(
        request,
        "mentorship/landing.html",
        {
            "content": content,
            "programs": program_selectors.published_programs(),
            "resources": program_selectors.published_resources(),
            "database_last_updated": database_last_updated() or content.database_last_updated,
        },
    )


@login_required
def my_home(request):
    """Where signing in lands: the person's applications, mentorships and next steps."""
    return render(request, "mentorship/home.html", {"home": home_for(request.user)})


def favicon(request):
    # Browsers ask for /favicon.ico whatever the page links; the file is a static one.
    return redirect(static("favicon.ico"), permanent=True)


def program_detail(request, slug):
    program = program_selectors.program_for_public(slug)
    return render(
        request,
        "mentorship/program_detail.html",
        {
            "program": program,
            "round_status": public_round_status(program),
            "ranking_windows": ranking_windows(program, timezone.now()),
        },
    )


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    # Rendered without the request context: a broken context processor or
    # database must not stop the error page itself.
    return HttpResponseServerError(loader.get_template("500.html").render())
