"""The reminder settings: a participant turns the optional nudges off."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mentoring.models import NudgePreference

pytestmark = pytest.mark.django_db


def test_a_participant_turns_the_optional_nudges_off_and_on(client, learner):
    client.force_login(learner)
    url = reverse("mentoring:nudges")
    page = client.get(url)
    assert page.status_code == 200 and b"always sent" in page.content
    page = client.post(url, {}, follow=True)
    assert b"optional reminders are off" in page.content
    assert NudgePreference.objects.get(user=learner).optional_nudges is False
    client.post(url, {"optional_nudges": "on"})
    assert NudgePreference.objects.get(user=learner).optional_nudges is True


def test_the_settings_are_linked_from_the_profile(client, learner):
    client.force_login(learner)
    assert reverse("mentoring:nudges").encode() in client.get(reverse("accounts:profile")).content
