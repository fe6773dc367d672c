"""Who may see and change a program's data: the one place the rule is written.

The rule: **site staff (superusers), or a coordinator of this program.**
Self-identification is stricter: the program's own coordinators only, not
site staff who do not coordinate it. Every view, admin class, selector and
export asks this module; the access matrix test (tests/test_access_matrix.py)
walks every URL of the site as each persona to keep it so.

``programs`` is the base app: nothing here imports the apps above it. The
admin mixin narrows any foreign key whose model has a ``program`` field, so
applications' and matching's models are narrowed without naming them.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.services import site_staff, user_has_admin_access, user_is_site_staff

from .models import Program

__all__ = [
    "ProgramScopedAdminMixin",
    "identity_program_ids",
    "narrowed",
    "programs_for",
    "site_staff",
    "user_coordinates",
    "user_has_admin_access",
    "user_is_site_staff",
    "user_sees_identity",
]


def _signed_in(user) -> bool:
    return user.is_authenticated and user.is_active


def programs_for(user) -> QuerySet[Program]:
    """The programs ``user`` may administer: all for site staff, theirs for a
    coordinator, none for anyone else."""
    if user_is_site_staff(user):
        return Program.objects.all()
    if not _signed_in(user):
        return Program.objects.none()
    return Program.objects.filter(coordinators=user)


def narrowed(queryset: QuerySet, user, program_path: str = "program") -> QuerySet:
    """``queryset`` without the rows of programs ``user`` may not administer;
    ``program_path`` leads from a row to its program (``round__program``).
    One query, as before: a join, not a second lookup."""
    if user_is_site_staff(user):
        return queryset
    if not _signed_in(user):
        return queryset.none()
    return queryset.filter(**{f"{program_path}__coordinators": user})


def user_coordinates(user, program: Program) -> bool:
    """May ``user`` administer ``program``: site staff, or one of its coordinators."""
    if not _signed_in(user):
        return False
    if user_is_site_staff(user):
        return True
    return program.coordinators.filter(pk=user.pk).exists()


def user_sees_identity(user, program: Program) -> bool:
    """Self-identification (and the identity part of match scores and reasons)
    is for the program's own coordinators only: site staff who do not
    coordinate the program do not see it either."""
    if not user_has_admin_access(user):
        return False
    return program.coordinators.filter(pk=user.pk).exists()


def identity_program_ids(user) -> set[int]:
    """The ids of the programs whose self-identification ``user`` sees."""
    if not user_has_admin_access(user):
        return set()
    return set(user.coordinated_programs.values_list("pk", flat=True))


def _program_of(obj, program_path: str):
    for name in program_path.split("__"):
        obj = getattr(obj, name)
    return obj


class ProgramScopedAdminMixin:
    """For a ``ModelAdmin`` of rows that belong to a program: coordinators see,
    pick and change only their programs' rows; site staff all of them.

    - the list (and so every action and change page) is ``narrowed``;
    - a foreign key to a program, or to a model with a ``program`` field (a
      tier, an application), offers only the user's programs' rows; a
      subclass may pass its own ``queryset`` (already filtered further) and
      it is narrowed the same way;
    - view, change and delete are checked per row as well.
    """

    program_path = "program"

    def get_queryset(self, request):
        return narrowed(super().get_queryset(request), request.user, self.program_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if not user_is_site_staff(request.user):
            programs = programs_for(request.user)
            if related is Program:
                kwargs["queryset"] = programs
            elif any(f.name == "program" and f.concrete for f in related._meta.get_fields()):
                queryset = kwargs.get("queryset", related._default_manager.all())
                kwargs["queryset"] = queryset.filter(program__in=programs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _may_touch(self, request, obj) -> bool:
        return obj is None or user_coordinates(request.user, _program_of(obj, self.program_path))

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._may_touch(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_touch(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_touch(request, obj)
