"""Staff sign-in in real Chromium: through the operator's OpenID Connect provider (a real
provider on loopback, tests/oidc/) and with the admin's TOTP second factor."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import oidc
from tests.factories import UserFactory

from .oidc_provider import start_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

User = get_user_model()
PASSWORD = "staff-pass-2026!"


@pytest.fixture(scope="module")
def provider(live_server):
    yield from start_provider(redirect_uri=f"{live_server.url}/oidc/callback/")


@pytest.fixture
def oidc_on(settings, provider):
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "Operator SSO"
    settings.OIDC_OP_ISSUER = provider.issuer  # endpoints come from its discovery document
    settings.OIDC_RP_CLIENT_ID = provider.client_id
    settings.OIDC_RP_CLIENT_SECRET = provider.client_secret
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_STAFF_EMAIL_DOMAINS = ["operator.example"]
    oidc.discovery_document.cache_clear()
    yield provider
    oidc.discovery_document.cache_clear()


def sign_in_at_provider(page, login: str) -> None:
    """The provider's own login and consent pages."""
    page.click("#oidc-sign-in")
    page.wait_for_selector("input[name=login]")
    assert page.url.startswith("http://127.0.0.1:")  # really at the provider
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "anything")
    page.click("button[type=submit]")
    page.wait_for_selector("button[type=submit]:has-text('Continue')")
    page.click("button[type=submit]:has-text('Continue')")


def test_staff_signs_in_with_the_operator_provider(oidc_on, page, shot):
    UserFactory(username="tess", email="Tess@operator.example", is_staff=True, is_superuser=True)
    page.goto(page.base + "/admin/login/?next=/admin/")
    assert page.inner_text("#oidc-sign-in") == "Sign in with Operator SSO"
    shot(page, "staff-admin-login-oidc")
    sign_in_at_provider(page, "tess@operator.example")
    page.wait_for_url(page.base + "/admin/")
    assert "tess" in page.inner_text("#user-tools").lower()
    shot(page, "staff-admin-after-oidc")


def test_first_sign_in_of_an_operator_address_creates_a_staff_account(oidc_on, page):
    page.goto(page.base + "/accounts/login/")
    sign_in_at_provider(page, "nora@operator.example")
    page.wait_for_url(page.base + "/admin/**")
    nora = User.objects.get(email="nora@operator.example")
    assert nora.is_staff and not nora.is_superuser and not nora.has_usable_password()


def test_a_partner_user_cannot_sign_in_as_staff_through_the_provider(oidc_on, page, alice):
    alice.email = "alice@operator.example"
    alice.save()
    page.goto(page.base + "/admin/login/")
    sign_in_at_provider(page, "alice@operator.example")
    page.wait_for_url(page.base + "/admin/login/?oidc=failed")
    assert "only active operator staff" in page.inner_text("#oidc-failed")
    assert not User.objects.get(pk=alice.pk).is_staff


def test_an_unverified_or_foreign_address_is_refused(oidc_on, page):
    page.goto(page.base + "/admin/login/")
    sign_in_at_provider(page, "unverified.ops@operator.example")
    page.wait_for_url(page.base + "/admin/login/?oidc=failed")
    assert not User.objects.filter(email__startswith="unverified").exists()


# --- the second factor ----------------------------------------------------------------------


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def password_sign_in(page) -> None:
    page.goto(page.base + "/admin/login/?next=/admin/")
    page.fill("#id_username", "tess")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def sign_out(page) -> None:
    with page.expect_navigation():
        page.click("#logout-form button")
    assert "/two-factor/" not in page.url


def test_staff_enrol_totp_then_sign_in_with_a_code_and_a_recovery_code(settings, page, shot):
    settings.STAFF_2FA = True
    tess = UserFactory(username="tess", is_staff=True, is_superuser=True)
    tess.set_password(PASSWORD)
    tess.save()
    blocked: list[str] = []
    page.on("console", lambda msg: blocked.append(msg.text) if msg.type == "error" else None)

    # First sign-in: password, then enrolment by QR code.
    password_sign_in(page)
    page.wait_for_url("**/admin/two-factor/enrol/**")
    assert page.get_attribute("#totp-qr", "src").startswith("data:image/svg+xml;base64,")
    assert page.evaluate("document.querySelector('#totp-qr').naturalWidth") > 0  # it renders
    shot(page, "staff-totp-enrolment")
    device = TOTPDevice.objects.get(user=tess, confirmed=False)
    secret = page.inner_text("#totp-secret").replace(" ", "")
    assert secret and len(secret) == 32
    page.fill("#id_code", code_for(device))
    page.click("input[type=submit]")
    codes = [c.strip() for c in page.locator("#recovery-codes li").all_inner_texts()]
    assert len(codes) == 10
    shot(page, "staff-totp-recovery-codes")
    page.click("#continue")
    page.wait_for_url(page.base + "/admin/")
    sign_out(page)

    # Next time: password, then a code.
    password_sign_in(page)
    page.wait_for_url("**/admin/two-factor/?**")
    page.goto(page.base + "/admin/portal/partner/")  # not yet: back to the code page
    page.wait_for_url("**/admin/two-factor/?**")
    page.fill("#id_code", code_for(device, 1))
    page.click("input[type=submit]")
    page.wait_for_url(page.base + "/admin/portal/partner/")
    sign_out(page)

    # A recovery code works once.
    password_sign_in(page)
    page.fill("#id_code", codes[0])
    page.click("input[type=submit]")
    page.wait_for_url(page.base + "/admin/")
    sign_out(page)
    password_sign_in(page)
    page.fill("#id_code", codes[0])
    page.click("input[type=submit]")
    assert "not valid" in page.inner_text(".errorlist")
    assert "/admin/two-factor/" in page.url
    assert not [m for m in blocked if "Content Security Policy" in m], blocked
