"""A partner attaches a capture to a case in real Chromium and downloads it back (issue 14)."""

from pathlib import Path

import pytest

from portal.choices import Region, Role
from tests.cases.factories import CaseFactory
from tests.factories import CustomerFactory, PartnerFactory, partner_user

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def case(transactional_db):
    partner = PartnerFactory(name="Acme Telecom", slug="acme")
    customer = CustomerFactory(partner=partner, name="Alpha Bank", region=Region.EMEA)
    user = partner_user(partner, "alice", Role.ADMIN)
    user.set_password("demo-portal-2026")
    user.save()
    return CaseFactory(customer=customer, title="One-way audio on calls to the PSTN")


def test_partner_attaches_a_capture_and_downloads_it(case, page, shot, tmp_path):
    capture = tmp_path / "one-way-audio.pcap"
    capture.write_bytes(b"\xd4\xc3\xb2\xa1" + b"\x00" * 4096)
    login(page, "alice")
    page.goto(page.base + f"/cases/{case.pk}/")
    assert "MB" in page.inner_text("#attachment-form")  # the size limit is shown
    page.set_input_files("#attachment-form input[type=file]", str(capture))
    page.click("#attachment-form button[type=submit]")
    page.wait_for_selector("#attachments a:has-text('one-way-audio.pcap')")
    row = page.inner_text("#attachments tbody tr")
    assert "alice" in row and "4.0" in row  # uploader and size
    assert "one-way-audio.pcap" in page.inner_text("#timeline")
    shot(page, "case-attachments")
    with page.expect_download() as download_info:
        page.click("#attachments a:has-text('one-way-audio.pcap')")
    download = download_info.value
    assert download.suggested_filename == "one-way-audio.pcap"
    assert Path(download.path()).read_bytes() == capture.read_bytes()
