"""Deployment artefacts: docker-compose, check --deploy, the demo seed."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parent.parent


def production_env(**extra):
    # Production never runs with the test-only async override.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        DEBUG="false",
        SECRET_KEY="x" * 20 + "-production-secret-key-with-enough-entropy-9f8e7d6c5b4a",
        ALLOWED_HOSTS="mentorship.example.edu",
        SECURE_HTTPS="true",
        CACHE_URL="redis://127.0.0.1:6379/1",
        **extra,
    )
    return env


def test_check_deploy_prints_no_warnings_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    env.pop("SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_malformed_setting_fails_loudly():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "maybe?"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0


class TestDockerCompose:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())

    def test_it_has_the_production_services(self):
        assert set(self.compose["services"]) >= {"web", "worker", "beat", "db", "redis"}

    def test_web_migrates_sets_up_the_site_then_runs_gunicorn(self):
        command = self.compose["services"]["web"]["command"]
        assert "gunicorn mentorship.wsgi:application" in command
        # The same order as the README's production steps: the reference data,
        # then the first content, then the server.
        assert command.index("migrate") < command.index("setup_site") < command.index("gunicorn")

    def test_web_sets_up_the_site_after_migrating_and_before_serving(self):
        command = self.compose["services"]["web"]["command"]
        assert command.index("migrate") < command.index("setup_site") < command.index("gunicorn")

    def test_celery_worker_and_beat_run_the_project_app(self):
        assert self.compose["services"]["worker"]["command"].startswith("celery -A mentorship worker")
        assert self.compose["services"]["beat"]["command"].startswith("celery -A mentorship beat")

    def test_every_long_running_service_has_a_health_check(self):
        for name in ("web", "worker", "db", "redis"):
            assert "healthcheck" in self.compose["services"][name], name

    def test_data_lives_in_named_volumes(self):
        assert {"pgdata", "redisdata", "media"} <= set(self.compose["volumes"])
        assert "pgdata:/var/lib/postgresql/data" in self.compose["services"]["db"]["volumes"]

    def test_app_services_read_the_env_file_with_every_variable_they_need(self):
        example = (ROOT / ".env.example").read_text()
        names = {
            line.split("=", 1)[0] for line in example.splitlines() if "=" in line and not line.startswith("#")
        }
        assert {
            "SECRET_KEY",
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "ALLOWED_HOSTS",
            "EMAIL_URL",
            "DEBUG",
        } <= names
        for name in ("web", "worker", "beat"):
            assert self.compose["services"][name]["env_file"] == ".env"

    def test_the_dockerfile_serves_static_files_with_whitenoise(self):
        dockerfile = (ROOT / "Dockerfile").read_text()
        assert "collectstatic" in dockerfile and "gunicorn" in dockerfile
        from django.conf import settings

        assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE

    def test_every_variable_is_in_the_readme(self):
        readme = (ROOT / "README.md").read_text()
        settings_source = (ROOT / "mentorship" / "settings.py").read_text()
        import re

        variables = set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', settings_source))
        assert variables, "no variables found"
        missing = sorted(v for v in variables if f"`{v}`" not in readme)
        assert not missing, f"README does not list: {missing}"


@pytest.mark.django_db
class TestSeedDemo:
    def test_it_is_idempotent(self, settings):
        from accounts.models import User
        from programs.models import Outcome, Program, Resource, Tier

        settings.DEBUG = True
        call_command("seed_demo", stdout=io.StringIO())
        counts = [m.objects.count() for m in (User, Program, Outcome, Tier, Resource)]
        call_command("seed_demo", stdout=io.StringIO())
        assert [m.objects.count() for m in (User, Program, Outcome, Tier, Resource)] == counts
        assert counts[1] == 2

    def test_it_prints_the_demo_passwords(self, settings, capsys):
        settings.DEBUG = True
        call_command("seed_demo")
        out = capsys.readouterr().out
        assert "learner@example.com" in out and "demo-pass-2026" in out

    def test_it_links_coordinators_to_their_programs(self, settings):
        from programs.models import Program

        settings.DEBUG = True
        call_command("seed_demo", stdout=io.StringIO())
        dmp = Program.objects.get(slug="dmp")
        assert list(dmp.coordinators.values_list("email", flat=True)) == ["dmp.coordinator@example.com"]

    def test_it_refuses_to_run_without_debug(self, settings):
        settings.DEBUG = False
        with pytest.raises(CommandError, match="DEBUG"):
            call_command("seed_demo")


def test_single_sign_on_is_one_setting_away():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "app = settings.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS'][0]; "
        "print(app['client_id'], app['settings']['server_url'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mentorship.settings",
        "OIDC_ENABLED": "true",
        "OIDC_SERVER_URL": "https://login.example.edu",
        "OIDC_CLIENT_ID": "client-123",
        "OIDC_CLIENT_SECRET": "s3cret",
    }
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "client-123 https://login.example.edu", result.stderr


def test_the_demo_authenticator_code_is_refused_in_production():
    env = production_env(MFA_DEMO_CODE="000000")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "MFA_DEMO_CODE is for the demo" in result.stderr


def test_make_run_serves_on_the_chosen_port_and_links_to_it():
    makefile = (ROOT / "Makefile").read_text()
    assert "PORT ?= 8000" in makefile
    assert "SITE_URL=http://127.0.0.1:$(PORT)" in makefile and "runserver 127.0.0.1:$(PORT)" in makefile


class TestResourceLimits:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())

    def test_app_containers_have_memory_limits(self):
        for name in ("web", "worker", "beat"):
            assert self.compose["services"][name]["deploy"]["resources"]["limits"]["memory"], name

    def test_gunicorn_replaces_a_stuck_worker(self):
        assert "--timeout 60" in self.compose["services"]["web"]["command"]

    def test_a_celery_child_that_grows_too_big_is_replaced(self):
        assert "--max-memory-per-child=" in self.compose["services"]["worker"]["command"]


def test_the_readme_production_variables_pass_check_deploy():
    """The README says its production steps give a clean `check --deploy`:
    with its own values, not the test's."""
    from tests.test_production_smoke import production_steps

    exports, _ = production_steps((ROOT / "README.md").read_text())
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({name: value for name, value in exports.items() if name != "DATABASE_URL"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_beat_entry_names_a_task_the_worker_knows():
    """A misspelt task name in the schedule fails only in production, silently,
    each time beat fires: the worker drops a message for a task it does not know."""
    from django.conf import settings

    from mentorship.celery import app

    app.loader.import_default_modules()
    unknown = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] not in app.tasks]
    assert unknown == []
