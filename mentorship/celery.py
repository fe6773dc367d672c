"""Celery application.

With ``CELERY_BROKER_URL`` set, tasks go to that broker and a worker runs them.
Without it (the laptop default) they run in-process, eagerly, so the app works
with nothing but Python installed.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")

app = Celery("mentorship")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
