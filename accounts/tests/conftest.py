"""A real OpenID provider on loopback (node-oidc-provider, tests/oidc/) for the SSO tests."""

from __future__ import annotations

import json
import os
import selectors
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

OIDC_DIR = Path(__file__).resolve().parents[2] / "tests" / "oidc"
PROVIDER_ID = "institution"
CLIENT_ID = "mentorship-tests"
CLIENT_SECRET = "a-test-only-client-secret"
STARTUP_SECONDS = 30

# The provider's people, by the login name typed into its dev login form.
PROVIDER_ACCOUNTS = {
    "new-learner": {
        "email": "nia.new@mail.example.edu",
        "email_verified": True,
        "given_name": "Nia",
        "family_name": "New",
    },
    # The same address as the `learner` persona, whose local address is verified.
    "lee": {"email": "learner@mail.example.edu", "email_verified": True, "given_name": "Lee"},
    # The learner's address again, but the provider does not vouch for it.
    "lee-unconfirmed": {"email": "learner@mail.example.edu", "email_verified": False},
    # Matches a local account whose address was never verified.
    "una": {"email": "una.unverified@mail.example.edu", "email_verified": True},
    # The `outsider` persona's university identity, under another address.
    "oz": {"email": "oz.outsider@mail.example.edu", "email_verified": True, "given_name": "Oz"},
}


@dataclass
class OIDCProvider:
    issuer: str

    def app_settings(self, **overrides) -> dict:
        """SOCIALACCOUNT_PROVIDERS as mentorship.settings builds it with OIDC_ENABLED."""
        return {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": PROVIDER_ID,
                        "name": "University login",
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {"server_url": self.issuer, **overrides},
                    }
                ],
            }
        }


def _missing(what: str):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {what}.")
    pytest.skip(f"{what}; SSO browser tests skipped (CI requires them).")


def _read_issuer(process: subprocess.Popen, deadline: float) -> str:
    """The provider prints one JSON line with its issuer once it listens."""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            if selector.select(timeout=0.2):
                line = process.stdout.readline()
                if line.strip():
                    return json.loads(line)["issuer"]
    raise RuntimeError("the OpenID provider did not start")


def _wait_for_discovery(issuer: str, deadline: float) -> None:
    url = f"{issuer}/.well-known/openid-configuration"
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)  # polling a condition with a deadline, not waiting for luck
    raise RuntimeError(f"no discovery document at {url}")


@pytest.fixture(scope="session")
def oidc_provider(live_server):
    """Starts node-oidc-provider on a free loopback port, with the test client
    registered for this live_server's callback, and stops it at the end."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        _missing("Node.js (node and npm) is not installed")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=OIDC_DIR, check=True, timeout=600, capture_output=True
        )
    env = {
        **os.environ,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URI": f"{live_server.url}/accounts/oidc/{PROVIDER_ID}/login/callback/",
        "OIDC_POST_LOGOUT_REDIRECT_URI": f"{live_server.url}/",
        "OIDC_ACCOUNTS": json.dumps(PROVIDER_ACCOUNTS),
    }
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [node, "provider.mjs"], cwd=OIDC_DIR, env=env, stdout=subprocess.PIPE, stderr=log, text=True
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            try:
                issuer = _read_issuer(process, deadline)
                _wait_for_discovery(issuer, deadline)
            except RuntimeError as exc:
                log.seek(0)
                raise RuntimeError(f"{exc}:\n{log.read().decode(errors='replace')}") from exc
            yield OIDCProvider(issuer=issuer)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def sso(oidc_provider, settings):
    """SSO switched on against the provider on loopback (settings are read at
    import, so the test overrides what mentorship.settings would have built)."""
    settings.OIDC_ENABLED = True
    settings.SOCIALACCOUNT_PROVIDERS = oidc_provider.app_settings()
    return oidc_provider


@pytest.fixture
def closed_port():
    """A loopback port where nothing listens: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections and never answers: reads time out."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]
