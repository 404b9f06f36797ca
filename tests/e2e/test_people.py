"""People through the running product and the `mam` command: an admin adds a user, the user signs in from
the CLI and acts as themself, a role too low is refused by name, and the audit log reads it all back."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

pytestmark = pytest.mark.e2e


def mam(srv, *args: str, state_dir, **env: str) -> subprocess.CompletedProcess:
    full = {**srv.env, "MAM_API_URL": srv.url, "MAM_CLI_STATE_DIR": str(state_dir), **env}
    return subprocess.run([sys.executable, "-m", "cli.main", *args], env=full, capture_output=True, text=True,
                          timeout=120)


def test_a_user_added_with_the_cli_signs_in_and_acts_as_themself(srv, tmp_path):
    state = tmp_path / "state"
    added = mam(srv, "users", "add", "liwei", "--role", "videographer", state_dir=state,
                MAM_NEW_PASSWORD="京雄城际 2026 password")
    assert added.returncode == 0, added.stderr
    short = mam(srv, "users", "add", "wang", "--role", "editor", state_dir=state, MAM_NEW_PASSWORD="short")
    assert short.returncode == 1 and "10 characters" in short.stdout + short.stderr
    assert mam(srv, "whoami", state_dir=state).stdout.strip() == "admin (admin)"
    login = mam(srv, "login", "liwei", state_dir=state, MAM_PASSWORD="京雄城际 2026 password")
    assert login.returncode == 0, login.stderr
    saved = state / "login.json"
    assert saved.stat().st_mode & 0o777 == 0o600
    assert mam(srv, "whoami", state_dir=state).stdout.strip() == "liwei (videographer)"
    refused = mam(srv, "export", "0" * 32, "--preset", "web-mp4", state_dir=state)
    assert refused.returncode == 1 and "'producer'" in refused.stdout + refused.stderr
    token = json.loads(saved.read_text())["token"]
    assert httpx.get(f"{srv.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert mam(srv, "logout", state_dir=state).returncode == 0
    assert httpx.get(f"{srv.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    wrong = mam(srv, "login", "liwei", state_dir=state, MAM_PASSWORD="not the password")
    assert wrong.returncode == 1
    log = mam(srv, "audit", "--json", state_dir=state)
    assert log.returncode == 0, log.stderr
    seen = [(e["actor"], e["action"]) for e in reversed(json.loads(log.stdout)["items"])]
    assert seen == [("admin", "user.create"), ("liwei", "auth.login"), ("liwei", "token.create"),
                    ("liwei", "auth.logout"), ("liwei", "token.revoke"), ("liwei", "auth.failed")]
