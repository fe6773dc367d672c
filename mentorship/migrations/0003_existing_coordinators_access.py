"""Coordinators linked to a program before onboarding gave access (through the
program's old Coordinators field) had no staff status and no group, so they
could not open the admin. Give them what coordinator_add gives."""

from django.db import migrations

from programs.reference import COORDINATORS_GROUP


def access_grant(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    coordinators = User.objects.filter(coordinated_programs__isnull=False).distinct()
    coordinators.filter(is_staff=False).update(is_staff=True)
    for user in coordinators:
        user.groups.add(group)


class Migration(migrations.Migration):
    dependencies = [
        ("mentorship", "0002_coordinators_group"),
        ("programs", "0004_reference_data"),
        ("accounts", "0001_initial"),
    ]

    # Nothing to undo: the access is what these people should have had.
    operations = [migrations.RunPython(access_grant, migrations.RunPython.noop)]
