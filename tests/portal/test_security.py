"""Login brute force is limited, the API is throttled, production settings are safe."""

import pytest

pytestmark = pytest.mark.django_db


def test_repeated_failed_logins_lock_the_account_out(settings, client, alice):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "alice", "password": "password"})
    assert locked.status_code == 429
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_api_is_throttled_per_user(monkeypatch, api, alice, bob):
    from rest_framework.throttling import UserRateThrottle

    monkeypatch.setattr(UserRateThrottle, "get_rate", lambda self: "3/min")
    codes = [api(alice).get("/api/v1/customers/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert api(bob).get("/api/v1/customers/").status_code == 200  # per user, not global


def test_security_headers_are_set(client):
    response = client.get("/accounts/login/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_production_settings_pass_check_deploy(monkeypatch, tmp_path):
    import subprocess
    import sys

    env = {
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "production-secret-key-long-and-random-9f8e7d",
        "ALLOWED_HOSTS": "portal.example.com",
        "PATH": "/usr/bin:/bin",
        "STATIC_ROOT": str(tmp_path),
    }
    (tmp_path / "staticfiles.json").write_text("{}")  # as collectstatic leaves it
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
