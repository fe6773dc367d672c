"""Pages that put several apps together, and the error pages.

The landing page shows the programs and the Learner Mentorship Database's last
update (opportunities); a program's page shows the program, its apply buttons
(applications) and the status of its matching round (matching). programs, the
base app, may import none of those, so these views live here, on top."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from matching.selectors import public_round_status
from opportunities.selectors import database_last_updated
from programs import selectors as program_selectors


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


def program_detail(request, slug):
    program = program_selectors.program_for_public(slug)
    return render(
        request,
        "mentorship/program_detail.html",
        {"program": program, "round_status": public_round_status(program)},
    )


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    # Rendered without the request context: a broken context processor or
    # database must not stop the error page itself.
    return HttpResponseServerError(loader.get_template("500.html").render())
