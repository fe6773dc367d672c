"""What every admin of the project shares."""

from __future__ import annotations

from django.contrib.admin import helpers
from django.core.exceptions import BadRequest


class TamperProofAdminMixin:
    """Input the admin would pass to the database as it is, and fail on with a
    500, refused or cleaned first: ids of an action that are not ids (a
    tampered checkbox) are a 400; NUL characters in a search (PostgreSQL
    refuses them; the admin's autocomplete does not strip them) are dropped."""

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if any(not (pk.isascii() and pk.isdigit() and len(pk) <= 18) for pk in selected):
            raise BadRequest("The selection is not a list of ids.")
        return super().response_action(request, queryset)

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))
