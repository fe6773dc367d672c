"""setup_site's first content, proofread (issue 16): on a site where it was
created before, the same corrections, but only where staff left the text as
setup_site wrote it (their own edits stay)."""

from django.db import migrations

OLD_RESOURCE, NEW_RESOURCE = "AAMC: mentoring resources", "Association of American Medical Colleges (AAMC)"

# (model, field, old value, new value)
CHANGES = [
    (
        "Outcome",
        "text",
        "Increased sense of belonging and support in relation to their social identity",
        "Increased sense of belonging and support in relation to social identity",
    ),
    (
        "SiteContent",
        "equity_presentation_text",
        "Association of American Medical Colleges: equity mentorship presentation",
        "Association of American Medical Colleges (aamc.org)",
    ),
    (
        "Resource",
        "description",
        "The Association of American Medical Colleges on the purpose and approaches to equity mentorship.",
        "Its website, with resources on the purpose and approaches to equity mentorship.",
    ),
    ("Resource", "title", OLD_RESOURCE, NEW_RESOURCE),
]


def proofread(apps, schema_editor, forward=True):
    for model, field, old, new in CHANGES:
        if not forward:
            old, new = new, old
        apps.get_model("programs", model).objects.filter(**{field: old}).update(**{field: new})
    SiteContent = apps.get_model("programs", "SiteContent")
    for content in SiteContent.objects.filter(equity_commitment__contains="Association of American Colleges"):
        content.equity_commitment = content.equity_commitment.replace(
            "Association of American Colleges", "Association of American Medical Colleges"
        )
        content.save(update_fields=["equity_commitment"])
    # setup_site remembers the resource by its title: keep it remembered, so a
    # resource staff deleted does not come back under its new name.
    SetupRecord = apps.get_model("programs", "SetupRecord")
    old_key, new_key = f"programs:resource:{OLD_RESOURCE}", f"programs:resource:{NEW_RESOURCE}"
    if not forward:
        old_key, new_key = new_key, old_key
    SetupRecord.objects.filter(key=old_key).update(key=new_key)


def unproofread(apps, schema_editor):
    proofread(apps, schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [("programs", "0004_reference_data")]

    operations = [migrations.RunPython(proofread, unproofread)]
