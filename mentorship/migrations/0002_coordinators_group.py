"""The Coordinators group and its permissions, so that adding a coordinator
works on a database that has only been migrated.

On an empty database the permissions do not exist yet when this runs (Django
creates them after the whole migrate, in post_migrate), so they are created
here first for the apps the group needs. Permissions of models added by later
migrations reach the group through the post_migrate handler in
mentorship/apps.py."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import Q

from programs.reference import COORDINATOR_PERMISSIONS, COORDINATORS_GROUP


def group_create(apps, schema_editor):
    for app_label in COORDINATOR_PERMISSIONS:
        create_permissions(
            global_apps.get_app_config(app_label),
            verbosity=0,
            interactive=False,
            using=schema_editor.connection.alias,
            apps=apps,
        )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    query = Q(pk__in=[])
    for app_label, codenames in COORDINATOR_PERMISSIONS.items():
        app_query = Q(content_type__app_label=app_label)
        if codenames is not None:
            app_query &= Q(codename__in=codenames)
        query |= app_query
    group, _ = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    group.permissions.add(*Permission.objects.filter(query))


def group_delete(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=COORDINATORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("mentorship", "0001_site"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("programs", "0004_reference_data"),
        ("applications", "0002_application_export"),
        ("matching", "0001_initial"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(group_create, group_delete),
    ]
