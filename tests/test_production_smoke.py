"""The production smoke test: the README's production steps run as written, then
Chromium through the life of a program, with every email counted.

The commands come from the README's ``<!-- production-steps -->`` block, so the
README and this test cannot drift: a virtualenv from ``requirements.txt`` alone
(``.venv-prod/``, rebuilt only when ``requirements.txt`` or the build steps
change), an empty PostgreSQL database, ``DEBUG`` off, gunicorn, a real Celery
worker and beat on Redis, and an SMTP server on loopback (aiosmtpd, in this
process). The test tools (pytest, Playwright) run from the normal ``.venv``;
nothing here touches pytest-django's test database.

Each person's steps are a function, so the flow below reads as the story.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import TEST_OUTPUT, chromium_path, mfa_set_up, wait_for

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PROD_VENV = ROOT / ".venv-prod"
STAMP = PROD_VENV / ".requirements-sha256"
SMOKE_DB = "smoke_production"
SMOKE_REDIS_DB = 14
# Where the README's example puts files on a server; the test maps it to a tmp dir.
SERVER_DIR = "/srv/mentorship"
READY_SECONDS = 90  # for a process to start, an email to arrive
PROGRAM = "dmp"

SUPERUSER_EMAIL = "smoke.admin@example.edu"
SUPERUSER_PASSWORD = "smoke-superuser-pass-2026"
COORDINATOR_EMAIL = "smoke.coordinator@example.edu"
LEARNER_EMAIL = "smoke.learner@example.edu"
MENTOR_EMAIL = "smoke.mentor@hospital.example.org"
PASSWORD = "smoke-person-pass-2026"

# The onboarding email links to allauth's set-a-password page.
COORDINATOR_LINK_PATH = "/accounts/password/reset/key/"

EXPECTED_EMAILS = Counter(
    {
        "email_confirmation": 1,  # the superuser confirms their address at first sign-in
        "coordinator-invite": 1,  # the coordinator's set-a-password link
        "email_confirmation_signup": 2,  # learner and mentor verify their addresses
        "application-submitted": 2,  # to each applicant
        "application-new-coordinator": 2,  # to the coordinator, per application
        "application-status": 2,  # both accepted (the introduction says "matched": one email per event)
        "match-introduction-mentee": 1,
        "match-introduction-mentor": 1,
    }
)

# --- The README's steps -----------------------------------------------------


@dataclass
class Step:
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)  # NAME=value before the command
    background: bool = False
    line: str = ""

    @property
    def builds_venv(self) -> bool:
        return "venv" in self.argv or Path(self.argv[0]).name == "pip"

    @property
    def manage_command(self) -> str | None:
        return self.argv[2] if self.argv[1:2] == ["manage.py"] and len(self.argv) > 2 else None


def production_steps(text: str) -> tuple[dict[str, str], list[Step]]:
    """The exported variables and the commands of the README's production block."""
    block = re.search(r"<!-- production-steps -->\s*```sh\n(.*?)```\s*<!-- /production-steps -->", text, re.S)
    assert block, "README.md has no <!-- production-steps --> block with a ```sh fence"
    exports: dict[str, str] = {}
    steps: list[Step] = []
    for line in block.group(1).splitlines():
        tokens = shlex.split(line, comments=True)
        if not tokens:
            continue
        background = tokens[-1] == "&"
        if background:
            tokens = tokens[:-1]
        if tokens[0] == "export":
            name, value = tokens[1].split("=", 1)
            exports[name] = value
            continue
        env = {}
        while re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", tokens[0]):
            name, value = tokens.pop(0).split("=", 1)
            env[name] = value
        steps.append(Step(argv=tokens, env=env, background=background, line=line))
    return exports, steps


def loopback_values(*, web_port: int, smtp_port: int, database_url: str, broker_url: str, tmp: Path):
    """This test's value for every variable the README sets."""
    site = f"http://127.0.0.1:{web_port}"
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": site,
        "SITE_URL": site,
        "SECURE_HTTPS": "false",  # plain HTTP on loopback: no proxy, no TLS
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "CACHE_URL": broker_url,  # one Redis database for both is fine: their keys differ
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "STATIC_ROOT": str(tmp / "static"),
        "MEDIA_ROOT": str(tmp / "media"),
        "DJANGO_SUPERUSER_EMAIL": SUPERUSER_EMAIL,
        "DJANGO_SUPERUSER_PASSWORD": SUPERUSER_PASSWORD,
    }


def test_the_readme_production_steps_name_only_what_this_test_provides(tmp_path):
    """Runs everywhere (no services needed), so a README edit that the smoke
    test could not follow fails even where the smoke test is skipped."""
    exports, steps = production_steps(README.read_text())
    named = set(exports) | {name for step in steps for name in step.env}
    values = loopback_values(web_port=1, smtp_port=2, database_url="", broker_url="", tmp=tmp_path)
    assert named == set(values)
    commands = [step.manage_command for step in steps if step.manage_command]
    assert commands == ["migrate", "setup_site", "collectstatic", "createsuperuser"]
    services = [" ".join(step.argv[:3]) for step in steps if step.background]
    assert [s.split("/")[-1] for s in services] == [
        "gunicorn mentorship.wsgi:application --bind",
        "celery -A mentorship",
        "celery -A mentorship",
    ]
    assert [step.argv[3] for step in steps if step.background][1:] == ["worker", "beat"]
    programs = {step.argv[0] for step in steps if not step.builds_venv}
    assert {p for p in programs if not p.startswith(".venv-prod/bin/")} == {"mkdir"}


# --- Prerequisites ------------------------------------------------------------


def _missing_prerequisite() -> str | None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return "DATABASE_URL does not point to PostgreSQL"
    if not os.environ.get("REDIS_URL"):
        return "REDIS_URL is not set"
    if not chromium_path():
        return "Chromium is not installed"
    if not shutil.which("python3.11"):
        return "python3.11 is not on PATH (the README builds the venv with it)"
    return None


@pytest.fixture(scope="module")
def prerequisites():
    missing = _missing_prerequisite()
    if missing:
        if os.environ.get("REQUIRE_SMOKE") == "1":
            pytest.fail(f"REQUIRE_SMOKE=1 but {missing}.")
        pytest.skip(f"Production smoke test skipped: {missing} (CI sets REQUIRE_SMOKE=1).")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, what: str, timeout: float = READY_SECONDS):
    """The suite's one poll (conftest.wait_for), with the stack's longer deadline."""
    return wait_for(condition, timeout=timeout, what=what, interval=0.2)


# --- SMTP on loopback ---------------------------------------------------------


@dataclass(frozen=True)
class Received:
    to: str
    subject: str
    body: str


class Inbox:
    """aiosmtpd handler: keeps every message, one entry per recipient."""

    def __init__(self):
        self._messages: list[Received] = []
        self._changed = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        with self._changed:
            for recipient in envelope.rcpt_tos:
                self._messages.append(Received(recipient.lower(), str(message["subject"]), body))
            self._changed.notify_all()
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[Received]:
        with self._changed:
            return list(self._messages)

    def wait_for(self, predicate, what: str, timeout: float = READY_SECONDS) -> list[Received]:
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self._messages), timeout):
                received = "\n".join(f"  {m.to}: {m.subject}" for m in self._messages)
                raise AssertionError(f"Timed out waiting for {what}. Received:\n{received}")
            return list(self._messages)

    def link(self, *, to: str, path: str) -> str:
        """The first link to ``path`` in an email to ``to`` (waits for it)."""
        pattern = re.compile(r"https?://\S+?" + re.escape(path) + r"\S*")

        def found(messages):
            return any(m.to == to and pattern.search(m.body) for m in messages)

        messages = self.wait_for(found, f"an email to {to} with a link to {path}")
        body = next(m.body for m in messages if m.to == to and pattern.search(m.body))
        return pattern.search(body).group(0)


@pytest.fixture
def inbox(prerequisites):
    from aiosmtpd.controller import Controller

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


# --- The server stack ---------------------------------------------------------


@dataclass
class Stack:
    url: str
    env: dict[str, str]
    database_url: str
    tmp: Path
    processes: list[tuple[str, subprocess.Popen, Path]] = field(default_factory=list)

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """``python manage.py ...`` with the production venv and variables."""
        result = subprocess.run(
            [str(PROD_VENV / "bin" / "python"), "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert result.returncode == 0, (
                f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def log(self, name: str) -> str:
        return next(path.read_text(errors="replace") for n, _, path in self.processes if n == name)

    def query(self, sql: str) -> list[tuple]:
        import psycopg2

        with psycopg2.connect(self.database_url) as connection, connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()


def _service_name(step: Step) -> str:
    if Path(step.argv[0]).name == "gunicorn":
        return "gunicorn"
    return f"celery {step.argv[3]}"  # celery -A mentorship worker|beat


def _substitute(argv: list[str], *, web_port: int, tmp: Path) -> list[str]:
    """The README's command with this test's paths and port."""
    out = []
    for index, arg in enumerate(argv):
        if index == 0 and arg.startswith(".venv-prod/"):
            arg = str(ROOT / arg)
        elif index == 0 and arg == "python3.11":
            arg = shutil.which("python3.11")
        elif index > 0 and argv[index - 1] == "--bind":
            arg = f"127.0.0.1:{web_port}"
        elif arg.startswith(SERVER_DIR):
            arg = str(tmp) + arg[len(SERVER_DIR) :]
        out.append(arg)
    return out


def _build_venv(steps: list[Step]) -> None:
    """Run the README's venv steps, unless requirements.txt and the steps are
    unchanged since the last build (a hash stamp in the venv)."""
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes())
    for step in steps:
        digest.update(step.line.encode())
    if STAMP.exists() and STAMP.read_text() == digest.hexdigest():
        return
    shutil.rmtree(PROD_VENV, ignore_errors=True)
    for step in steps:
        argv = _substitute(step.argv, web_port=0, tmp=Path("/nonexistent"))
        # pip needs the environment's index and proxy settings.
        result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, f"{step.line} failed:\n{result.stdout}\n{result.stderr}"
    STAMP.write_text(digest.hexdigest())


def _empty_database(admin_url: str) -> str:
    """Drop and create SMOKE_DB on the server of ``admin_url``; returns its URL."""
    import psycopg2

    parts = urlsplit(admin_url)
    connection = psycopg2.connect(parts._replace(path="/postgres").geturl())
    connection.autocommit = True  # DROP/CREATE DATABASE refuse to run in a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {SMOKE_DB} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {SMOKE_DB}")
    finally:
        connection.close()
    return parts._replace(scheme="postgres", path=f"/{SMOKE_DB}").geturl()


def _empty_broker(redis_url: str) -> str:
    import redis

    parts = urlsplit(redis_url)
    url = parts._replace(path=f"/{SMOKE_REDIS_DB}").geturl()
    redis.Redis.from_url(url).flushdb()
    return url


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _wait_ready(stack: Stack, name: str, process: subprocess.Popen, log: Path) -> None:
    def ready():
        if process.poll() is not None:
            raise AssertionError(f"{name} exited with {process.returncode}:\n{log.read_text()}")
        if name == "gunicorn":
            return _http_ok(stack.url + "/accounts/login/")
        text = log.read_text(errors="replace")
        return " ready." in text if name == "celery worker" else "beat: Starting..." in text

    wait_until(ready, f"{name} to be ready")


@pytest.fixture
def stack(prerequisites, inbox, tmp_path_factory):
    _, smtp_port = inbox
    tmp = tmp_path_factory.mktemp("production")
    web_port = free_port()
    exports, steps = production_steps(README.read_text())
    _build_venv([s for s in steps if s.builds_venv])

    values = loopback_values(
        web_port=web_port,
        smtp_port=smtp_port,
        database_url=_empty_database(os.environ["DATABASE_URL"]),
        broker_url=_empty_broker(os.environ["REDIS_URL"]),
        tmp=tmp,
    )
    # Only what the README sets: nothing from the test process leaks in.
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(tmp)), "LANG": "C.UTF-8"}
    env = {**base, **{name: values[name] for name in exports}}
    stack = Stack(url=f"http://127.0.0.1:{web_port}", env=env, database_url=values["DATABASE_URL"], tmp=tmp)
    try:
        for step in steps:
            if step.builds_venv:
                continue
            argv = _substitute(step.argv, web_port=web_port, tmp=tmp)
            step_env = {**env, **{name: values[name] for name in step.env}}
            if step.background:
                name = _service_name(step)
                log = tmp / f"{name.replace(' ', '-')}.log"
                handle = open(log, "wb")  # noqa: SIM115 (closed with the process)
                process = subprocess.Popen(
                    argv,
                    cwd=ROOT,
                    env=step_env,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                handle.close()
                stack.processes.append((name, process, log))
                continue
            result = subprocess.run(argv, cwd=ROOT, env=step_env, capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, f"{step.line} failed:\n{result.stdout}\n{result.stderr}"
        for name, process, log in stack.processes:
            _wait_ready(stack, name, process, log)
        yield stack
    finally:
        for _, process, _ in stack.processes:
            process.terminate()
        for _, process, _ in stack.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        # pytest shows this only when the test failed.
        for name, _, log in stack.processes:
            print(f"\n===== {name} log =====\n{log.read_text(errors='replace')[-20000:]}")


# --- The people's steps --------------------------------------------------------


def superuser_first_sign_in(page, inbox: Inbox, *, email: str, password: str) -> None:
    """The admin signs in through the site's login. createsuperuser makes no
    confirmed address, so with mandatory verification the first sign-in
    emails a link; then the admin asks for a second factor before it opens."""
    page.goto("/admin/")
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("Email").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/accounts/confirm-email/")
    page.goto(inbox.link(to=email, path="/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(lambda url: "/accounts/confirm-email/" not in url)
    sign_in(page, email=email, password=password)
    page.goto("/admin/")
    mfa_set_up(page, password)
    page.goto("/admin/")
    page.get_by_role("heading", name="Programs, applications, matching and the database").wait_for()


def superuser_adds_coordinator(page, *, email: str, program: str) -> None:
    page.goto("/admin/programs/program/")
    page.get_by_role("link", name=re.compile(program, re.I)).first.click()
    page.get_by_role("link", name="Add or remove coordinators").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Full name (optional)").fill("Casey Coordinator")
    page.get_by_role("button", name="Add coordinator").click()
    page.get_by_text(f"Added {email} as a coordinator").wait_for()


def coordinator_sets_password(page, inbox: Inbox, *, email: str, password: str) -> None:
    page.goto(inbox.link(to=email, path=COORDINATOR_LINK_PATH))
    page.locator("#id_password1").fill(password)
    page.locator("#id_password2").fill(password)
    page.get_by_role("button", name=re.compile("Change Password|Set password", re.I)).click()
    page.get_by_text(re.compile("password is now changed|password has been set", re.I)).first.wait_for()


def staff_import(page, workbook: Path) -> None:
    page.goto("/admin/opportunities/opportunity/")
    page.get_by_role("link", name="Import spreadsheet").click()
    page.locator("input[type=file]").set_input_files(str(workbook))
    page.get_by_role("button", name="Preview the import").click()
    page.get_by_text("2 to create").wait_for()
    page.get_by_label("Publish new entries at once").check()
    page.get_by_role("button", name="Confirm the import").click()
    page.get_by_text("Imported: 2 created").wait_for()


def guessing_is_throttled_across_workers(stack: Stack, *, email: str, password: str) -> None:
    """Five wrong passwords, sent at once so that gunicorn's workers share them,
    and then the right one is refused: the count lives in the shared cache."""
    import requests

    def attempt(guess: str) -> str:
        with requests.Session() as session:
            session.get(f"{stack.url}/accounts/login/", timeout=30)
            response = session.post(
                f"{stack.url}/accounts/login/",
                data={"login": email, "password": guess, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                headers={"Referer": f"{stack.url}/accounts/login/"},
                timeout=30,
                allow_redirects=False,
            )
            return response.text if response.status_code != 302 else "signed in"

    with ThreadPoolExecutor(max_workers=5) as pool:
        list(pool.map(attempt, [f"wrong-guess-{n}" for n in range(5)]))
    assert "Too many failed login attempts" in attempt(password)


# --- Steps on today's code ---------------------------------------------------


def make_workbook(path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Database"
    sheet.append(["Opportunity Name", "Type of opportunity", "Host / Organization", "Host type",
                  "Eligible Learners", "Website", "Published"])  # fmt: skip
    sheet.append(["Smoke Surgery Mentorship", "Formal program", "Department of Surgery", "Department",
                  "MD1; MD2", "https://surgery.example.edu/mentorship", "yes"])  # fmt: skip
    sheet.append(["Smoke Summer Studentship", "Summer opportunity", "Sunnybrook", "Hospital site",
                  "MD1", "https://sunnybrook.example.org/summer", "yes"])  # fmt: skip
    workbook.save(path)
    return path


def sign_in(page, *, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def sign_up_and_verify(page, inbox: Inbox, *, email: str, name: str, stage: str, year: str = "") -> None:
    """Sign up, follow the emailed link (verification is mandatory with DEBUG
    off), sign in and fill in the profile."""
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill(email)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    page.goto(inbox.link(to=email, path="/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(lambda url: "/accounts/confirm-email/" not in url)
    sign_in(page, email=email, password=PASSWORD)
    page.goto("/account/profile/")
    page.locator("#id_name").fill(name)
    page.locator("#id_learner_stage").select_option(stage)
    page.locator("#id_year").fill(year)
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_load_state()


def answer_program_questions(page) -> None:
    """Answer each required choice the page still has open (the program's own
    questions, whatever setup_site names them): the first option."""
    page.evaluate(
        """() => {
            const names = new Set([...document.querySelectorAll('input[type=radio][required]')].map(r => r.name));
            for (const name of names) {
                const group = [...document.querySelectorAll(`input[type=radio][name="${name}"]`)];
                if (!group.some(r => r.checked)) group[0].click();
            }
        }"""
    )


def fill_meeting(page, *, frequency: bool) -> None:
    page.get_by_label("Virtual").check()
    if frequency:
        page.get_by_label("Monthly").check()
    page.get_by_label("Weekday evenings").check()


def submit_application(page) -> None:
    answer_program_questions(page)
    page.get_by_role("button", name="Submit application").click()
    page.wait_for_url(re.compile(r".*/my/applications/\d+/$"))


def apply_as_mentee(page, program: str) -> None:
    page.goto(f"/programs/{program}/apply/mentee/")
    page.get_by_label("Learner type and year").select_option(label="MD year 2")
    outcomes = page.get_by_role("group", name="What do you join the program for?")
    if outcomes.count():
        outcomes.get_by_role("checkbox").first.check()
    page.get_by_label("What do you hope for from a mentor?").fill("Advice on choosing a specialty.")
    fill_meeting(page, frequency=True)
    submit_application(page)


def apply_as_mentor(page, program: str) -> None:
    page.goto(f"/programs/{program}/apply/mentor/")
    page.get_by_label("Clinician / faculty").check()
    page.get_by_label("Specialty", exact=True).select_option(index=1)
    page.get_by_label("Department or division").fill("Department of Surgery")
    page.get_by_label("Main hospital site").select_option(index=1)
    page.get_by_label("How many mentees can you take?").fill("1")
    fill_meeting(page, frequency=False)
    submit_application(page)


def coordinator_accepts_all(page) -> None:
    page.goto("/admin/applications/application/")
    page.locator("#action-toggle").check()
    page.get_by_label("Action:").select_option("accept")
    page.get_by_role("button", name="Go").click()
    # Nothing is sent before the coordinator has seen who and what.
    page.get_by_role("heading", name="Who will be emailed (2)").wait_for()
    page.get_by_role("button", name="Confirm: change 2 and send 2 emails").click()
    page.get_by_text("2 applications accepted").wait_for()


def coordinator_publishes_a_round(page) -> None:
    page.goto("/admin/matching/round/add/")
    page.locator("#id_program").select_option(index=1)
    page.locator("#id_name").fill("Smoke round")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("was added successfully").wait_for()
    page.goto("/admin/matching/round/")
    page.get_by_role("link", name=re.compile(r"Open the board for .*: Smoke round")).click()
    page.get_by_role("button", name="Run stable matching").click()
    page.get_by_text("Stable matching: 1 pair proposed").wait_for()
    page.get_by_role("button", name=re.compile(r"^Publish 1 pair")).click()
    page.get_by_role("heading", name="Who will be emailed (2)").wait_for()
    page.get_by_role("button", name="Publish 1 pair and send the emails").click()
    page.get_by_text("Published 1 match").wait_for()


# --- The test -----------------------------------------------------------------


@pytest.mark.smoke
@pytest.mark.browser
def test_a_fresh_production_install_runs_a_program_end_to_end(stack, inbox, browser, tmp_path):
    inbox, _ = inbox
    started = time.monotonic()

    def person():
        context = browser.new_context(base_url=stack.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(20_000)
        page = context.new_page()
        pages.append(page)
        return page

    pages = []
    try:
        run_the_flow(stack, inbox, person, tmp_path)
    except BaseException:
        # Where each person was when it failed.
        TEST_OUTPUT.mkdir(exist_ok=True)
        for number, page in enumerate(pages):
            page.screenshot(path=str(TEST_OUTPUT / f"smoke-failure-{number}.png"), full_page=True)
        raise
    print(f"smoke flow: {time.monotonic() - started:.0f}s")


def run_the_flow(stack: Stack, inbox: Inbox, person, tmp_path: Path) -> None:

    # Served by gunicorn with DEBUG off: the landing page and a hashed static file.
    admin = person()
    assert admin.goto("/").status == 200
    stylesheet = admin.locator("link[rel=stylesheet]").first.get_attribute("href")
    assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), stylesheet
    assert admin.goto(stylesheet).status == 200

    # The superuser signs in and adds a coordinator, who sets a password from the email.
    superuser_first_sign_in(admin, inbox, email=SUPERUSER_EMAIL, password=SUPERUSER_PASSWORD)
    superuser_adds_coordinator(admin, email=COORDINATOR_EMAIL, program=PROGRAM)
    coordinator = person()
    coordinator_sets_password(coordinator, inbox, email=COORDINATOR_EMAIL, password=PASSWORD)

    # Staff import a spreadsheet; the database page shows its rows.
    staff_import(admin, make_workbook(tmp_path / "database.xlsx"))
    admin.goto("/database/")
    assert admin.get_by_role("link", name="Smoke Surgery Mentorship").is_visible()
    assert admin.get_by_role("link", name="Smoke Summer Studentship").is_visible()

    # A learner and a mentor sign up, verify their addresses and apply.
    learner = person()
    sign_up_and_verify(learner, inbox, email=LEARNER_EMAIL, name="Lee Smoke", stage="MD", year="2")
    apply_as_mentee(learner, PROGRAM)
    mentor = person()
    sign_up_and_verify(mentor, inbox, email=MENTOR_EMAIL, name="Morgan Smoke", stage="CLIN")
    apply_as_mentor(mentor, PROGRAM)

    # The coordinator signs in, sees only their program, accepts both and publishes the match.
    sign_in(coordinator, email=COORDINATOR_EMAIL, password=PASSWORD)
    coordinator.goto("/admin/programs/program/")
    mfa_set_up(coordinator, PASSWORD)
    coordinator.goto("/admin/programs/program/")
    assert coordinator.get_by_text("1 program").is_visible()
    coordinator_accepts_all(coordinator)
    coordinator_publishes_a_round(coordinator)
    mentor.goto("/my/mentorships/")
    assert mentor.get_by_text(LEARNER_EMAIL).is_visible()

    # Every email reached the SMTP server exactly once, sent by the worker.
    total = sum(EXPECTED_EMAILS.values())
    inbox.wait_for(lambda messages: len(messages) >= total, f"{total} emails")
    wait_until(
        lambda: not stack.query("SELECT 1 FROM notifications_outgoingemail WHERE status <> 'sent'"),
        "every outgoing email to be marked sent",
    )
    rows = stack.query('SELECT kind, "to", subject FROM notifications_outgoingemail')
    assert Counter(kind for kind, _, _ in rows) == EXPECTED_EMAILS
    assert Counter((m.to, m.subject) for m in inbox.messages) == Counter(
        (to.lower(), subject) for _, to, subject in rows
    )
    assert [name for name, process, _ in stack.processes if process.poll() is not None] == []

    # Guessing a password is throttled however gunicorn spreads the attempts.
    guessing_is_throttled_across_workers(stack, email=LEARNER_EMAIL, password=PASSWORD)
