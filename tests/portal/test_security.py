"""Login brute force is limited, the API is throttled, production settings are safe."""

import pytest

from tests.factories import AccessAttemptFactory

pytestmark = pytest.mark.django_db


def test_repeated_failed_logins_lock_the_account_out(settings, client, alice):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "alice", "password": "password"})
    assert locked.status_code == 429
    assert not client.get("/").wsgi_request.user.is_authenticated


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ["Too many failed logins", "After 3 failed attempts", "paused for 15 min"]),
        (
            "pt-br",
            ["Muitas tentativas de login sem sucesso", "Após 3 tentativas", "suspenso por 15 min"],
        ),
    ],
)
def test_a_locked_out_user_is_told_in_their_language_for_how_long(
    settings, client, alice, language, texts
):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = 0.25  # hours: the default 15 minutes
    for _ in range(3):
        client.post(
            "/accounts/login/",
            {"username": "alice", "password": "wrong"},
            HTTP_ACCEPT_LANGUAGE=language,
        )
    locked = client.post(
        "/accounts/login/",
        {"username": "alice", "password": "password"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "<html" in page  # a page of the portal, not a line of text
    for text in texts:
        assert text in page
    assert 'href="/accounts/login/"' in page


def test_without_a_cool_off_the_locked_out_user_is_told_the_operator_unlocks(
    settings, client, alice
):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = None
    for _ in range(3):
        locked = client.post(
            "/accounts/login/",
            {"username": "alice", "password": "wrong"},
            HTTP_ACCEPT_LANGUAGE="pt-br",
        )
    assert locked.status_code == 429
    assert "fica bloqueado até que a operadora o desbloqueie" in locked.content.decode()


def test_the_sign_in_protection_admin_speaks_portuguese_and_gives_times_with_their_zone(
    client_for, staff
):
    import datetime as dt

    import time_machine
    from axes.models import AccessAttempt, AccessAttemptExpiration, AccessLog
    from django.contrib.auth import get_user_model

    from portal.timefmt import show_time

    get_user_model().objects.filter(pk=staff.pk).update(is_superuser=True)
    moment = dt.datetime(2027, 3, 2, 13, 5, tzinfo=dt.UTC)
    # The whole test at one moment: a session made at another would have expired under a
    # moved clock (PORTAL_TEST_CLOCK).
    with time_machine.travel(moment, tick=False) as traveller:
        attempt = AccessAttemptFactory(
            username="alice", ip_address="192.0.2.7", user_agent="test", failures_since_start=2
        )
        AccessLog.objects.create(
            username="alice", ip_address="192.0.2.7", user_agent="test", path_info="/"
        )
        client = client_for(staff)
        page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()
        assert "Proteção de acesso" in page
        assert "Tentativas de acesso" in page
        assert ">Axes<" not in page
        shown = show_time(moment, zone=dt.UTC, language="pt-br")
        assert "UTC" in shown
        for url in ("/admin/axes/accessattempt/", "/admin/axes/accesslog/"):
            page = client.get(url, HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()
            assert "Endereço IP" in page and "Hora da tentativa" in page, url
            assert shown in page, url  # the time with its zone, not a bare wall-clock time
        page = client.get(
            "/admin/axes/accessattempt/", HTTP_ACCEPT_LANGUAGE="pt-br"
        ).content.decode()
        assert "Logins sem sucesso" in page
        assert "3 tentativas restantes" in page  # 2 of the 5 failures allowed
        # A record's own page: its name and its expiry in Portuguese, with their zone (axes named
        # it "Attempted Access: 2027-03-02 13:05:00+00:00", its expiry "… object (1)").
        expires = moment + dt.timedelta(minutes=15)
        AccessAttemptExpiration.objects.create(access_attempt=attempt, expires_at=expires)
        page = client.get(
            f"/admin/axes/accessattempt/{attempt.pk}/change/", HTTP_ACCEPT_LANGUAGE="pt-br"
        ).content.decode()
        assert f"Logins sem sucesso de alice a partir de 192.0.2.7, o último em {shown}" in page
        assert show_time(expires, zone=dt.UTC, language="pt-br") in page
        assert "object (" not in page and "Attempted Access" not in page
        log = AccessLog.objects.get()
        page = client.get(
            f"/admin/axes/accesslog/{log.pk}/change/", HTTP_ACCEPT_LANGUAGE="pt-br"
        ).content.decode()
        assert f"Login de alice a partir de 192.0.2.7 em {shown}" in page
        traveller.move_to(moment + dt.timedelta(minutes=16))  # past the cool-off
        cleaned = client.post(
            "/admin/axes/accessattempt/",
            {"action": "cleanup_expired_attempts", "_selected_action": [attempt.pk]},
            HTTP_ACCEPT_LANGUAGE="pt-br",
            follow=True,
        ).content.decode()
        # axes' own action answered 500 (AttributeError), and in English
        assert "1 tentativa de acesso expirada removida." in cleaned
        assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()


@pytest.mark.parametrize(
    "url", ["/admin/axes/accessattempt/", "/admin/axes/accesslog/", "/admin/axes/accessfailurelog/"]
)
def test_a_partner_user_cannot_see_the_sign_in_protection_admin(client_for, alice, url):
    AccessAttemptFactory(username="charlie")
    response = client_for(alice).get(url)
    assert response.status_code == 302 and "/admin/login/" in response.url


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
