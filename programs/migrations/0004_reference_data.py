"""Learner types and clinical specialties: the code and the forms rely on them,
so they arrive with ``migrate`` rather than with the demo seed."""

from django.db import migrations

from programs.reference import LEARNER_TYPES, SPECIALTIES


def learner_types_create(apps, schema_editor):
    LearnerType = apps.get_model("programs", "LearnerType")
    for order, (code, label) in enumerate(LEARNER_TYPES):
        LearnerType.objects.get_or_create(code=code, defaults={"label": label, "order": order})


def learner_types_delete(apps, schema_editor):
    LearnerType = apps.get_model("programs", "LearnerType")
    LearnerType.objects.filter(code__in=[code for code, _ in LEARNER_TYPES]).delete()


def specialties_create(apps, schema_editor):
    Specialty = apps.get_model("programs", "Specialty")
    for name in SPECIALTIES:
        Specialty.objects.get_or_create(name=name)


def specialties_delete(apps, schema_editor):
    Specialty = apps.get_model("programs", "Specialty")
    Specialty.objects.filter(name__in=SPECIALTIES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0003_setuprecord"),
    ]

    operations = [
        migrations.RunPython(learner_types_create, learner_types_delete),
        migrations.RunPython(specialties_create, specialties_delete),
    ]
