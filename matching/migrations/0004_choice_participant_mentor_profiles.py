"""Mentors accepted before mentor profiles existed get one, copied from their
application as ``services.mentor_profile_create_from`` copies it (the
headline here is simpler: role and department). Reversing keeps the profiles."""

from django.db import migrations

ROLE_WORDS = {"clinician": "Clinician", "resident": "Resident", "student": "Medical student"}


def create_missing_profiles(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    MentorProfile = apps.get_model("matching", "MentorProfile")
    mentors = Application.objects.filter(
        role="mentor", status__in=["accepted", "matched"], mentor_profile__isnull=True
    ).prefetch_related("specialties", "outcomes")
    for application in mentors.iterator(chunk_size=500):
        role = ROLE_WORDS.get(application.mentor_role, "")
        headline = ", ".join(p for p in (role, application.department) if p) or "Mentor"
        profile = MentorProfile.objects.create(
            application=application,
            headline=headline[:150],
            hospital_site=application.hospital_site,
            meeting_format=application.meeting_format,
            availability=list(application.availability or []),
        )
        profile.specialties.set(application.specialties.all())
        profile.offers.set(application.outcomes.all())


class Migration(migrations.Migration):
    dependencies = [("matching", "0003_participant_choice")]

    operations = [migrations.RunPython(create_missing_profiles, migrations.RunPython.noop)]
