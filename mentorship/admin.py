"""What every admin of the project shares."""

from __future__ import annotations

from django.contrib.admin import FieldListFilter, helpers
from django.core.exceptions import BadRequest


class ReadOnlyAdminMixin:
    """For an admin or inline that shows rows and never adds, changes or deletes
    them: what the rows record (an export, a match, a history) changes only
    through the services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TamperProofAdminMixin:
    """Input the admin would pass to the database as it is, and fail on with a
    500, refused or cleaned first: ids of an action that are not ids (a
    tampered checkbox) are a 400; NUL characters in a search (PostgreSQL
    refuses them; the admin's autocomplete does not strip them) are dropped.

    And a filter in the address is never dropped: Django hides a list filter
    with a single choice (a coordinator of one program has no "program"
    filter) and then ignores its parameter, so the list, and a "select all"
    action on it, covered more than the address asked for. Such a filter is
    now applied, and shown so that it can be cleared."""

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if any(not (pk.isascii() and pk.isdigit() and len(pk) <= 18) for pk in selected):
            raise BadRequest("The selection is not a list of ids.")
        return super().response_action(request, queryset)

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))

    def get_list_filter(self, request):
        return [_applied_when_used(item) for item in super().get_list_filter(request)]


def _has_output_when_used(self) -> bool:
    return bool(self.used_parameters) or super(type(self), self).has_output()


def _shown_when_used(spec):
    """A filter that takes part in the address is shown (and so applied), even
    with a single choice."""
    if spec is not None and spec.used_parameters and not spec.has_output():
        spec.has_output = lambda: True
    return spec


def _applied_when_used(item):
    """``list_filter`` entry -> the same filter, made by ``_shown_when_used``.

    The three forms ``ChangeList.get_filters`` accepts: a ListFilter class, a
    field path, and a (field path, FieldListFilter class) pair."""
    if isinstance(item, type):
        # A subclass, not a function: ``lookup_allowed`` reads the class's parameter_name.
        return type(item.__name__, (item,), {"has_output": _has_output_when_used})
    field, make = item if isinstance(item, (tuple, list)) else (item, FieldListFilter.create)

    def field_filter(field, request, params, model, model_admin, field_path=None):
        return _shown_when_used(make(field, request, params, model, model_admin, field_path=field_path))

    return (field, field_filter)
