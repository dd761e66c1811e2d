"""The admin's second factor (STAFF_2FA): staff enrol a TOTP authenticator by QR code, receive
ten recovery codes, and then pass a code after every password sign-in. Partner users of the
portal pages are not affected."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.two_factor import totp_enrolment_confirm, totp_enrolment_start

pytestmark = pytest.mark.django_db

PASSWORD = "staff-pass-2026!"


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the staff member's phone shows (``steps_ahead`` 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def tess(staff):
    staff.set_password(PASSWORD)
    staff.save()
    return staff


@pytest.fixture
def enrolled(tess):
    device = totp_enrolment_start(user=tess)
    _device, codes = totp_enrolment_confirm(user=tess, code=code_for(device))
    return device, codes


def wait_out_throttle(user) -> None:
    """As if the short wait after a wrong code had passed."""
    for device in TOTPDevice.objects.filter(user=user):
        device.throttle_reset()


def password_login(client: Client, username: str = "tess"):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": PASSWORD}, follow=True
    )


def test_admin_refuses_staff_without_a_second_factor(settings, client_for, staff):
    settings.STAFF_2FA = True
    response = client_for(staff).get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
    follow = client_for(staff).get("/admin/portal/partner/", follow=True)
    assert follow.redirect_chain[-1][0].startswith("/admin/two-factor/enrol/")


def test_admin_open_after_password_when_2fa_is_off(settings, client_for, staff):
    settings.STAFF_2FA = False
    assert client_for(staff).get("/admin/").status_code == 200


def test_first_sign_in_enrols_then_shows_ten_recovery_codes(settings, tess):
    settings.STAFF_2FA = True
    client = Client()
    page = password_login(client)
    assert page.redirect_chain[-1][0].startswith("/admin/two-factor/enrol/")
    html = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html and "<script" not in html.split("<body")[1]
    device = TOTPDevice.objects.get(user=tess, confirmed=False)

    wrong = client.post("/admin/two-factor/enrol/", {"code": "000000", "next": "/admin/"})
    assert wrong.status_code == 400 and "not valid" in wrong.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # wrong codes slow further attempts down
    device.throttle_reset()  # as after the short wait the throttle imposes

    done = client.post("/admin/two-factor/enrol/", {"code": code_for(device), "next": "/admin/"})
    assert done.status_code == 200
    codes = list(StaticToken.objects.filter(device__user=tess).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(c in done.content.decode() for c in codes)
    assert client.get("/admin/").status_code == 200
    # Shown once: the enrolment page now leads to the code page, never to the codes again.
    again = client.get("/admin/two-factor/enrol/", follow=True)
    assert again.redirect_chain[-1][0].startswith("/admin/two-factor/")
    assert codes[0] not in again.content.decode()


def test_next_sign_in_asks_for_a_code(settings, tess, enrolled):
    settings.STAFF_2FA = True
    device, _codes = enrolled
    client = Client()
    page = password_login(client)
    assert page.redirect_chain[-1][0].startswith("/admin/two-factor/?")
    assert client.get("/admin/").status_code == 302
    bad = client.post("/admin/two-factor/", {"code": "123456", "next": "/admin/"})
    assert bad.status_code == 400
    throttled = client.post("/admin/two-factor/", {"code": code_for(device, 1)})
    assert throttled.status_code == 400 and "wait a few seconds" in throttled.content.decode()
    wait_out_throttle(tess)
    ok = client.post("/admin/two-factor/", {"code": code_for(device, 1), "next": "/admin/"})
    assert ok.status_code == 302 and ok.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_works_once(settings, tess, enrolled):
    settings.STAFF_2FA = True
    _device, codes = enrolled
    first = Client()
    password_login(first)
    assert first.post("/admin/two-factor/", {"code": codes[3].upper()}).status_code == 302
    assert first.get("/admin/").status_code == 200
    second = Client()
    password_login(second)
    assert second.post("/admin/two-factor/", {"code": codes[3]}).status_code == 400
    assert second.get("/admin/").status_code == 302
    assert StaticToken.objects.filter(device__user=tess).count() == 9


def test_enrolment_cannot_replace_a_confirmed_authenticator(settings, tess, enrolled):
    """Someone holding only the password must not enrol their own phone."""
    settings.STAFF_2FA = True
    client = Client()
    password_login(client)
    response = client.get("/admin/two-factor/enrol/")
    assert response.status_code == 302 and response.url.startswith("/admin/two-factor/?")
    assert TOTPDevice.objects.filter(user=tess).count() == 1


def test_partner_users_are_not_asked_for_a_second_factor(settings, alice):
    settings.STAFF_2FA = True
    alice.set_password(PASSWORD)
    alice.save()
    client = Client()
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/contacts/").status_code == 200


def test_partner_users_get_no_code_pages(settings, client_for, alice):
    settings.STAFF_2FA = True
    assert client_for(alice).get("/admin/two-factor/enrol/").status_code == 404
    assert client_for(alice).get("/admin/two-factor/").status_code == 404


def test_next_must_stay_on_this_site(settings, tess, enrolled):
    settings.STAFF_2FA = True
    device, _codes = enrolled
    client = Client()
    password_login(client)
    response = client.post(
        "/admin/two-factor/", {"code": code_for(device, 1), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == "/admin/"


def test_enrolment_page_speaks_portuguese(settings, client_for, staff):
    settings.STAFF_2FA = True
    page = client_for(staff).get("/admin/two-factor/enrol/", HTTP_ACCEPT_LANGUAGE="pt-br")
    assert "Configure o seu autenticador" in page.content.decode()
