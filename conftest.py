"""Personas and the browser harness shared by every app's tests."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress

# Playwright's sync API keeps an event loop running in the test thread, and
# Django refuses ORM calls from a thread with a running loop unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TEST_OUTPUT = Path(__file__).parent / "test-output"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
PASSWORD = "a-long-test-password-42"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ACCOUNT_RATE_LIMITS = False


def make_user(email, *, verified=True, **fields):
    from accounts.models import User

    user = User.objects.create_user(email=email, password=PASSWORD, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.fixture
def demo(db):
    """setup_site's programs and texts, and seed_demo's accounts."""
    from mentorship.management.commands.seed_demo import Command

    Command().seed()
    from programs.models import Program

    return {p.slug: p for p in Program.objects.all()}


@pytest.fixture
def learner(db):
    return make_user(
        "learner@mail.example.edu", name="Lee Learner", pronouns="she/her", learner_stage="MD", year=2
    )


@pytest.fixture
def mentor(db):
    return make_user(
        "mentor@hospital.example.org", name="Morgan Mentor", pronouns="he/him", learner_stage="CLIN"
    )


@pytest.fixture
def outsider(db):
    return make_user("outsider@example.net", name="Oz Outsider")


def mfa_enroll(user) -> str:
    """Give ``user`` an authenticator app, as staff and coordinators must have
    before the admin opens; returns its secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """The authenticator app's current code for ``secret``. Close to the end of
    a 30-second period it waits for the next one, so the code is still the
    server's when the form arrives (allauth accepts the current period only)."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    period = app_settings.TOTP_PERIOD
    if period - time.time() % period < 3:
        start = time.time() // period
        wait_for(lambda: time.time() // period > start, what="the next authenticator period", timeout=5)
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


@pytest.fixture
def staff(db):
    user = make_user("staff@mail.example.edu", name="Sam Staff", is_staff=True, is_superuser=True)
    mfa_enroll(user)
    return user


@pytest.fixture
def coordinator_of(db):
    """coordinator_of(program) -> a new user who coordinates that program."""
    from programs.services import coordinator_add

    counter = iter(range(1000))

    def make(program):
        user = make_user(f"coord{next(counter)}.{program.slug}@mail.example.edu", name="Cory Coordinator")
        coordinator_add(program=program, user=user, notify=False)  # an existing coordinator: no welcome email
        mfa_enroll(user)
        return user

    return make


# --- Waiting for events ----------------------------------------------------


def wait_for(condition, *, timeout: float = 30.0, what: str = "the condition", interval: float = 0.05):
    """Poll ``condition`` until it returns something truthy, and return that;
    fail after ``timeout`` seconds. Tests wait for an event this way, never for
    a fixed sleep, so they cannot pass by luck."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


# --- Celery on a real broker ---------------------------------------------


BROKER_ENVIRON = ("CELERY_BROKER_URL", "CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL")


@contextmanager
def celery_publishing_to(url: str):
    """The Celery app publishing to ``url`` instead of running tasks
    in-process. Yields ``use(url)``, which points the publisher elsewhere (a
    closed port is a broker that is down). Afterwards the broker URL and eager
    mode are the configuration's again, and no pooled connection to the test's
    broker is left behind.

    Celery reads CELERY_BROKER_URL (and _READ_/_WRITE_) from the environment
    before its configuration, so while the test runs they are taken out of it:
    with them exported, as the README's worker instructions do, the test would
    otherwise publish to that broker, whatever ``use`` said."""
    from mentorship.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    saved_environ = {name: os.environ.pop(name) for name in BROKER_ENVIRON if name in os.environ}

    def use(broker_url: str) -> None:
        # Even eager tasks take a producer from the pool; drop the pools made
        # under the previous configuration so nothing is published there.
        app._pool = None
        app.amqp._producer_pool = None
        app.conf.update(broker_url=broker_url, task_always_eager=False)

    use(url)
    try:
        yield use
    finally:
        os.environ.update(saved_environ)
        app.conf.update(saved)
        app._pool = None
        app.amqp._producer_pool = None


@pytest.fixture
def celery_broker():
    """celery_publishing_to the Redis at REDIS_URL (skipped without it), on an
    empty Redis database."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL not set")
    import redis

    redis.Redis.from_url(url).flushdb()  # no messages left from another test
    try:
        with celery_publishing_to(url) as use:
            yield use
    finally:
        redis.Redis.from_url(url).flushdb()


class CeleryWorker:
    """What the worker has run: ``runs`` holds (task name, args, state) for
    each task execution that finished, in order."""

    def __init__(self):
        self.runs: list[tuple[str, tuple, str]] = []
        self._lock = threading.Lock()

    def record(self, sender=None, args=None, state=None, **kwargs) -> None:
        with self._lock:
            self.runs.append((sender.name, tuple(args or ()), state))

    def finished(self, task: str) -> list[tuple[tuple, str]]:
        with self._lock:
            return [(args, state) for name, args, state in self.runs if name == task]

    def wait_for_runs(self, task: str, count: int, *, timeout: float = 30.0) -> list[tuple[tuple, str]]:
        """Wait until ``task`` has finished ``count`` times; returns each
        run's (args, state)."""
        try:
            return wait_for(
                lambda: len(runs := self.finished(task)) >= count and runs,
                timeout=timeout,
                what=f"{count} run(s) of {task}",
            )
        except AssertionError as exc:
            raise AssertionError(f"{exc}; finished so far: {self.runs}") from None


@pytest.fixture
def celery_worker(celery_broker):
    """A Celery worker (a thread of this process, so it shares the test
    database and ``mailoutbox``) consuming from the Redis at REDIS_URL. The
    test enqueues as production does, then waits with ``wait_for_runs`` for the
    worker to report the executions it expects. (notifications/tests/
    test_faults.py runs the worker as another process instead, to kill it.)"""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from mentorship.celery import app

    worker = CeleryWorker()
    task_postrun.connect(worker.record, weak=False)
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            yield worker
    finally:
        task_postrun.disconnect(worker.record)


# --- Browser harness -------------------------------------------------------


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if not executable:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but no Chromium found (set CHROMIUM_PATH or install chromium).")
        pytest.skip("Chromium is not installed; browser tests skipped (CI requires them).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, settings):
    # live_server runs in another thread; make sure emails stay in locmem.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def assert_accessible(page, name: str) -> None:
    """Save a full-page screenshot under test-output/ and fail on any axe violation."""
    from axe_playwright_python.sync_playwright import Axe

    TEST_OUTPUT.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name)
    page.screenshot(path=str(TEST_OUTPUT / f"{safe}.png"), full_page=True)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = results.response["violations"]
    assert not violations, f"axe violations on {name} ({page.url}):\n" + results.generate_report()


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def assert_no_horizontal_scroll(page) -> None:
    """Nothing on the page is wider than the window (a phone must not scroll sideways)."""
    overflow = page.evaluate(
        """() => {
            const doc = document.documentElement;
            const wide = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > doc.clientWidth + 1)
                .slice(0, 5).map(e => e.outerHTML.slice(0, 100));
            return {scroll: doc.scrollWidth, client: doc.clientWidth, wide};
        }"""
    )
    assert overflow["scroll"] <= overflow["client"], f"page scrolls sideways: {overflow}"


def assert_fits_phone_and_desktop(page, name: str) -> None:
    """The page at 390 px and at 1280 px: no sideways scroll, zero axe
    violations, and a screenshot of each under test-output/."""
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.reload()
        assert_no_horizontal_scroll(page)
        assert_accessible(page, f"{name}-{label}")


def login(page, email: str, password: str = PASSWORD) -> None:
    """Sign in; for an account with an authenticator app, answer the second
    step with its current code."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    if "/2fa/authenticate/" in page.url:
        mfa_answer(page, email)


def mfa_set_up(page, password: str = PASSWORD) -> str:
    """On the way into the admin, staff confirm their password and activate an
    authenticator app, as a person would with the secret the page shows.
    Returns the secret; the page ends on the recovery codes."""
    if "/accounts/reauthenticate/" in page.url:
        page.locator("#id_password").fill(password)
        page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/totp/activate/**")
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    return secret


def mfa_answer(page, email: str) -> None:
    from allauth.mfa.models import Authenticator
    from django.core.cache import cache

    authenticator = Authenticator.objects.get(user__email=email, type=Authenticator.Type.TOTP)
    code = totp_code(authenticator.data["secret"])
    # allauth accepts each code once; a test that signs in twice within the
    # same 30 seconds reuses it.
    cache.delete(f"allauth.mfa.totp.used?user={authenticator.user_id}&code={code}")
    page.locator("#id_code").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign In").click()


def assert_keyboard_reaches_everything(page) -> None:
    """Tab through the page: every link, button and field gets a visible focus.
    A radio group is one tab stop (arrow keys move within it), so it counts once."""
    count = page.evaluate(
        """() => {
            const seen = new Set();
            const els = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')]
                .filter(e => e.offsetParent !== null || e.getClientRects().length)
                .filter(e => {
                    if (e.type !== 'radio') return true;
                    if (seen.has(e.name)) return false;
                    seen.add(e.name);
                    return true;
                });
            els.forEach((e, i) => e.dataset.kbd = i);
            document.querySelectorAll('input[type=radio]').forEach(r => {
                const first = document.querySelector(`input[type=radio][name="${r.name}"][data-kbd]`);
                if (first) r.dataset.kbd = first.dataset.kbd;
            });
            return els.length;
        }"""
    )
    reached = set()
    for _ in range(count + 5):
        page.keyboard.press("Tab")
        info = page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {index: el.dataset.kbd ?? null, label: el.outerHTML.slice(0, 80),
                        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0};
            }"""
        )
        if info["index"] is None:
            continue
        assert info["outline"], f"no visible focus on {info['label']}"
        reached.add(info["index"])
    assert len(reached) == count, f"reached {len(reached)} of {count} controls"
