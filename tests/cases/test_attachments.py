"""Case attachments: the service, the API, the case page, the download view and the admin."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services
from cases.choices import EventKind
from cases.models import CaseAttachment, CaseEvent
from portal.errors import DomainError

from .factories import CaseFactory

pytestmark = pytest.mark.django_db
PCAP = b"\xd4\xc3\xb2\xa1" + b"\x00" * 2000


@pytest.fixture
def case_a(customer_a):
    return CaseFactory(customer=customer_a, title="One-way audio")


@pytest.fixture
def attachment(case_a, alice):
    upload = SimpleUploadedFile("capture.pcap", PCAP, content_type="application/vnd.tcpdump.pcap")
    return services.case_attachment_add(actor=alice, case=case_a, file=upload)


def api_url(case, suffix=""):
    return f"/api/v1/cases/{case.pk}/attachments/{suffix}"


# --- the service ---------------------------------------------------------------------------


def test_the_service_stores_the_file_with_its_checksum_and_a_timeline_entry(attachment, case_a):
    assert attachment.original_name == "capture.pcap"
    assert attachment.size == len(PCAP)
    assert attachment.sha256 == hashlib.sha256(PCAP).hexdigest()
    assert attachment.declared_content_type == "application/vnd.tcpdump.pcap"
    assert attachment.uploaded_by.username == "alice" and attachment.uploader_name == "alice"
    with attachment.file.open("rb") as stored:
        assert stored.read() == PCAP
    # a random per-case path, not the uploaded name
    assert attachment.file.name.startswith(f"cases/{case_a.pk}/")
    assert "capture" not in attachment.file.name
    event = CaseEvent.objects.get(case=case_a, kind=EventKind.ATTACHMENT)
    assert event.text == "capture.pcap" and event.data["attachment"] == attachment.pk
    assert event.data["sha256"] == attachment.sha256


def test_a_file_above_the_limit_is_refused_on_the_field_file(case_a, alice, settings):
    settings.CASE_ATTACHMENT_MAX_MB = 1
    big = SimpleUploadedFile("big.log", b"x" * (1024 * 1024 + 1))
    with pytest.raises(DomainError) as exc:
        services.case_attachment_add(actor=alice, case=case_a, file=big)
    assert exc.value.field == "file"
    assert not CaseAttachment.objects.exists()
    exactly = SimpleUploadedFile("ok.log", b"x" * (1024 * 1024))
    assert services.case_attachment_add(actor=alice, case=case_a, file=exactly).size == 1024**2


def test_an_empty_file_is_refused(case_a, alice):
    with pytest.raises(DomainError) as exc:
        services.case_attachment_add(
            actor=alice, case=case_a, file=SimpleUploadedFile("e.txt", b"")
        )
    assert exc.value.field == "file"


def test_the_outsider_cannot_attach_to_another_partners_case(case_a, charlie):
    with pytest.raises(DomainError):
        services.case_attachment_add(
            actor=charlie, case=case_a, file=SimpleUploadedFile("x.txt", b"x")
        )
    assert not CaseAttachment.objects.exists()


def test_a_contact_of_the_partner_attaches_for_an_e_mail_reply(case_a, contact_a, partner_b):
    attachment = services.case_attachment_add(
        actor=None, case=case_a, file=b"trace", name="../../etc/trace.txt", contact=contact_a
    )
    assert attachment.uploaded_by is None and attachment.uploaded_by_contact == contact_a
    assert attachment.original_name == "trace.txt"  # the base name only
    from tests.factories import ContactFactory

    stranger = ContactFactory(partner=partner_b, email="x@borealis.example")
    with pytest.raises(DomainError):
        services.case_attachment_add(actor=None, case=case_a, file=b"x", contact=stranger)


def test_file_names_are_cleaned(case_a, alice):
    name = "C:\\Users\\nina\\sip\x00 trace\u202e.txt"
    attachment = services.case_attachment_add(
        actor=alice, case=case_a, file=SimpleUploadedFile("whatever", b"x"), name=name
    )
    assert attachment.original_name == "sip trace.txt"


# --- the API --------------------------------------------------------------------------------


def test_api_upload_and_list(api, bob, case_a):
    client = api(bob)
    upload = SimpleUploadedFile("sip.log", b"INVITE sip:100@pbx SIP/2.0\r\n")
    response = client.post(api_url(case_a), {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "sip.log" and body["size"] == 28
    assert body["sha256"] == hashlib.sha256(b"INVITE sip:100@pbx SIP/2.0\r\n").hexdigest()
    assert body["download_url"].endswith(api_url(case_a, f"{body['id']}/download/"))
    assert body["uploaded_at"].endswith("+00:00")
    listed = client.get(api_url(case_a)).json()
    assert [row["id"] for row in listed] == [body["id"]]
    assert {"id", "name", "size", "sha256", "download_url", "uploaded_at"} <= set(listed[0])
    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"INVITE sip:100@pbx SIP/2.0\r\n"


def test_api_size_limit_is_a_400_on_file(api, bob, case_a, settings):
    settings.CASE_ATTACHMENT_MAX_MB = 1
    upload = SimpleUploadedFile("big.bin", b"\x00" * (1024 * 1024 + 10))
    response = api(bob).post(api_url(case_a), {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_api_without_a_file_is_a_400(api, bob, case_a):
    response = api(bob).post(api_url(case_a), {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()


def test_api_outsider_gets_404_everywhere(api, charlie, case_a, attachment):
    client = api(charlie)
    assert client.get(api_url(case_a)).status_code == 404
    upload = SimpleUploadedFile("x.txt", b"x")
    assert client.post(api_url(case_a), {"file": upload}, format="multipart").status_code == 404
    assert client.get(api_url(case_a, f"{attachment.pk}/download/")).status_code == 404
    assert CaseAttachment.objects.count() == 1


def test_api_anonymous_gets_401(api, case_a, attachment):
    assert api().get(api_url(case_a)).status_code == 401
    assert api().get(api_url(case_a, f"{attachment.pk}/download/")).status_code == 401


def test_api_download_of_an_attachment_of_another_case_is_404(api, alice, customer_a, attachment):
    other = CaseFactory(customer=customer_a)
    assert api(alice).get(api_url(other, f"{attachment.pk}/download/")).status_code == 404


def test_api_staff_list_and_download(api, staff, case_a, attachment):
    client = api(staff)
    assert len(client.get(api_url(case_a)).json()) == 1
    assert client.get(api_url(case_a, f"{attachment.pk}/download/")).status_code == 200


def test_api_list_query_count_is_constant(api, alice, case_a, django_assert_max_num_queries):
    for n in range(5):
        services.case_attachment_add(actor=alice, case=case_a, file=b"x" * (n + 1), name=f"{n}")
    client = api(alice)
    with django_assert_max_num_queries(6):
        assert len(client.get(api_url(case_a)).json()) == 5


# --- the download: never inline -------------------------------------------------------------


@pytest.mark.parametrize("declared", ["text/html", "image/svg+xml", "application/pdf"])
def test_the_download_is_never_inline_whatever_was_declared(
    client_for, alice, case_a, declared
):
    upload = SimpleUploadedFile("evil.html", b"<script>alert(1)</script>", content_type=declared)
    attachment = services.case_attachment_add(actor=alice, case=case_a, file=upload)
    response = client_for(alice).get(f"/cases/{case_a.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response.streaming  # a FileResponse, streamed in chunks
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"


def test_a_non_ascii_name_is_encoded_in_the_disposition(client_for, alice, case_a):
    attachment = services.case_attachment_add(
        actor=alice, case=case_a, file=b"x", name='relatório "final"; x=1.txt'
    )
    response = client_for(alice).get(f"/cases/{case_a.pk}/attachments/{attachment.pk}/")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "relat%C3%B3rio%20%22final%22%3B%20x%3D1.txt" in disposition
    assert "\n" not in disposition


def test_page_download_outsider_404_and_anonymous_redirected(client_for, charlie, case_a, attachment):
    url = f"/cases/{case_a.pk}/attachments/{attachment.pk}/"
    assert client_for(charlie).get(url).status_code == 404
    from django.test import Client

    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_page_download_with_another_cases_id_is_404(client_for, alice, customer_a, attachment):
    other = CaseFactory(customer=customer_a)
    url = f"/cases/{other.pk}/attachments/{attachment.pk}/"
    assert client_for(alice).get(url).status_code == 404


def test_staff_download_through_the_page_view(client_for, staff, case_a, attachment):
    url = f"/cases/{case_a.pk}/attachments/{attachment.pk}/"
    assert client_for(staff).get(url).status_code == 200


# --- the case page --------------------------------------------------------------------------


def test_the_case_page_lists_attachments_and_shows_the_limit(client_for, bob, case_a, attachment):
    html = client_for(bob).get(f"/cases/{case_a.pk}/").content.decode()
    assert 'id="attachments"' in html and "capture.pcap" in html
    assert f"/cases/{case_a.pk}/attachments/{attachment.pk}/" in html
    assert "50.0" in html and "MB" in html  # the size limit, shown
    assert 'enctype="multipart/form-data"' in html
    row = html[html.index('id="attachments"') :].split("</tr>")[1]
    assert re.search(r"\d\d:\d\d [A-Z+-]", row), row  # the upload time carries its zone


def test_the_case_page_uploads_through_the_service(client_for, bob, case_a):
    client = client_for(bob)
    response = client.post(
        f"/cases/{case_a.pk}/attachments/", {"file": SimpleUploadedFile("a.txt", b"hello")}
    )
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get()
    assert attachment.uploaded_by.username == "bob"
    html = client.get(f"/cases/{case_a.pk}/").content.decode()
    assert "a.txt" in html


def test_the_case_page_shows_the_size_refusal(client_for, bob, case_a, settings):
    settings.CASE_ATTACHMENT_MAX_MB = 0
    client = client_for(bob)
    client.post(f"/cases/{case_a.pk}/attachments/", {"file": SimpleUploadedFile("a.txt", b"h")})
    assert not CaseAttachment.objects.exists()
    html = client.get(f"/cases/{case_a.pk}/").content.decode()
    assert "larger than the limit" in html


def test_the_case_page_upload_outsider_404(client_for, charlie, case_a):
    response = client_for(charlie).post(
        f"/cases/{case_a.pk}/attachments/", {"file": SimpleUploadedFile("a.txt", b"h")}
    )
    assert response.status_code == 404
    assert not CaseAttachment.objects.exists()


def test_the_case_page_in_portuguese(client_for, bob, case_a, attachment):
    client = client_for(bob)
    client.post("/i18n/setlang/", {"language": "pt-br", "next": "/"})
    html = client.get(f"/cases/{case_a.pk}/").content.decode()
    assert "Anexos" in html and "Anexar arquivo" in html and "por arquivo" in html


# --- the admin ------------------------------------------------------------------------------


def test_the_admin_shows_attachments_with_download_links(client_for, staff, case_a, attachment):
    html = client_for(staff).get(f"/admin/cases/case/{case_a.pk}/change/").content.decode()
    assert "capture.pcap" in html
    assert f"/cases/{case_a.pk}/attachments/{attachment.pk}/" in html


def test_the_admin_attaches_through_the_service(client_for, staff, case_a):
    url = f"/admin/cases/case/{case_a.pk}/do/attach/"
    client = client_for(staff)
    page = client.get(url)
    assert page.status_code == 200 and b"multipart/form-data" in page.content
    response = client.post(url, {"file": SimpleUploadedFile("t.log", b"trace")})
    assert response.status_code == 302, response.content.decode()[:2000]
    attachment = CaseAttachment.objects.get()
    assert attachment.uploaded_by == staff
    assert CaseEvent.objects.filter(case=case_a, kind=EventKind.ATTACHMENT).count() == 1


def test_the_case_page_queries_do_not_grow_with_attachments(
    client_for, bob, alice, case_a, django_assert_max_num_queries
):
    client = client_for(bob)
    services.case_attachment_add(actor=alice, case=case_a, file=b"1", name="one.txt")
    with django_assert_max_num_queries(40) as one:
        client.get(f"/cases/{case_a.pk}/")
    for n in range(6):
        services.case_attachment_add(actor=alice, case=case_a, file=b"x", name=f"{n}.txt")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(f"/cases/{case_a.pk}/").status_code == 200
