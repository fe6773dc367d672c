from django.shortcuts import render

from matching.selectors import public_round_status
from opportunities.selectors import database_last_updated

from . import selectors


def landing(request):
    content = selectors.site_content()
    return render(
        request,
        "programs/landing.html",
        {
            "content": content,
            "programs": selectors.published_programs(),
            "resources": selectors.published_resources(),
            "database_last_updated": database_last_updated() or content.database_last_updated,
        },
    )


def program_detail(request, slug):
    program = selectors.program_for_public(slug)
    return render(
        request,
        "programs/program_detail.html",
        {"program": program, "round_status": public_round_status(program)},
    )
