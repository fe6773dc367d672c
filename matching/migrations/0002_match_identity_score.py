from django.db import migrations, models

DEFAULT_IDENTITY_WEIGHT = 3


def backfill_identity_score(apps, schema_editor):
    """Matches scored before the identity part was stored: the program's
    identity weight now is the best estimate of what it was then (never more
    than the whole score), so the score shown without identity gives nothing away."""
    Match = apps.get_model("matching", "Match")
    MatchingWeights = apps.get_model("matching", "MatchingWeights")
    weights = dict(MatchingWeights.objects.values_list("program_id", "identity"))
    changed = []
    for match in Match.objects.select_related("round").iterator(chunk_size=500):
        if any(isinstance(r, dict) and r.get("identity") for r in match.reasons or []):
            weight = weights.get(match.round.program_id, DEFAULT_IDENTITY_WEIGHT)
            match.identity_score = max(min(weight, match.score), 0)
            changed.append(match)
    Match.objects.bulk_update(changed, ["identity_score"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="match",
            name="identity_score",
            field=models.IntegerField(
                default=0,
                help_text="The part of the score that identity concordance gives: taken off the score "
                "shown to anyone who may not see identity.",
            ),
        ),
        migrations.RunPython(backfill_identity_score, migrations.RunPython.noop),
    ]
