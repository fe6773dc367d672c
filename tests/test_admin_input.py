"""Bad input to any admin is refused with a 4xx, never a 500."""

import pytest
from django.contrib import admin

from mentorship.admin import TamperProofAdminMixin

PROJECT_APPS = {"accounts", "notifications", "programs", "applications", "opportunities", "matching"}
PROJECT_APPS |= {"reports"}  # issue 15


def test_every_project_admin_refuses_tampered_input():
    missing = [
        type(model_admin).__name__
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PROJECT_APPS and not isinstance(model_admin, TamperProofAdminMixin)
    ]
    assert not missing


@pytest.mark.django_db
class TestTamperedInput:
    def test_a_tampered_action_id_is_a_400(self, client, staff, demo):
        client.force_login(staff)
        response = client.post(
            "/admin/programs/resource/",
            {"action": "delete_selected", "_selected_action": ["1", "1 OR 1=1"]},
        )
        assert response.status_code == 400

    def test_a_nul_character_in_a_search_is_harmless(self, client, staff, demo):
        client.force_login(staff)
        response = client.get("/admin/accounts/user/", {"q": "learner\x00"})
        assert response.status_code == 200
