"""The site's name and domain, which allauth's emails print ("Hello from
OLA Mentorship!"). The domain comes from SITE_URL; ``setup_site`` corrects it
if SITE_URL changes later while the domain is still a default."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import migrations

from programs.reference import SITE_NAME

DJANGO_DEFAULT = "example.com"


def site_name(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    domain = urlsplit(settings.SITE_URL).netloc or DJANGO_DEFAULT
    Site.objects.update_or_create(pk=settings.SITE_ID, defaults={"name": SITE_NAME, "domain": domain})


def site_name_reset(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    Site.objects.filter(pk=settings.SITE_ID).update(name=DJANGO_DEFAULT, domain=DJANGO_DEFAULT)


class Migration(migrations.Migration):
    dependencies = [
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [
        migrations.RunPython(site_name, site_name_reset),
    ]
