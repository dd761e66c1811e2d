"""Attachments in an S3-compatible bucket (django-storages), against moto's S3 server on
loopback: the same service, page and download as on the local folder."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services

from .factories import CaseFactory

pytestmark = pytest.mark.django_db
BUCKET = "portal-attachments"


@pytest.fixture(scope="module")
def s3_endpoint():
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_storage(s3_endpoint, settings, monkeypatch):
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "location": "attachments",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    yield client
    objects = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for obj in objects:
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_an_attachment_goes_to_the_bucket_and_comes_back_through_the_view(
    s3_storage, client_for, alice, charlie, customer_a
):
    case = CaseFactory(customer=customer_a)
    data = b"\x0a\x0d\x0d\x0a" + bytes(range(256)) * 40
    attachment = services.case_attachment_add(
        actor=alice, case=case, file=SimpleUploadedFile("capture.pcapng", data)
    )
    keys = [o["Key"] for o in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"attachments/{attachment.file.name}"]
    assert keys[0].startswith(f"attachments/cases/{case.pk}/")
    stored = s3_storage.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == attachment.sha256
    response = client_for(alice).get(f"/cases/{case.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert b"".join(response.streaming_content) == data
    outsider = client_for(charlie).get(f"/cases/{case.pk}/attachments/{attachment.pk}/")
    assert outsider.status_code == 404


def test_the_api_uploads_to_the_bucket(s3_storage, api, bob, customer_a):
    case = CaseFactory(customer=customer_a)
    upload = SimpleUploadedFile("sip.log", b"REGISTER sip:pbx SIP/2.0")
    response = api(bob).post(
        f"/api/v1/cases/{case.pk}/attachments/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert len(s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]) == 1
    download = api(bob).get(response.json()["download_url"])
    assert b"".join(download.streaming_content) == b"REGISTER sip:pbx SIP/2.0"


def test_the_environment_selects_the_bucket(tmp_path):
    """ATTACHMENTS_S3_BUCKET (with the endpoint and keys) switches the storage to S3; without
    it the attachments go to the local folder under var/."""
    import os
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings';"
        "from django.conf import settings;"
        "a = settings.STORAGES['attachments'];"
        "print(a['BACKEND'], a['OPTIONS'].get('bucket_name') or a['OPTIONS'].get('location'),"
        " a['OPTIONS'].get('endpoint_url'))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ATTACHMENTS_", "AWS_"))}
    local = subprocess.run(
        [sys.executable, "-c", code], env=base, capture_output=True, text=True, check=True
    ).stdout.split()
    assert local[0] == "django.core.files.storage.FileSystemStorage"
    assert local[1].endswith("var/media/attachments") or "media" in local[1]
    s3 = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **base,
            "ATTACHMENTS_S3_BUCKET": "tac-files",
            "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert s3 == ["storages.backends.s3.S3Storage", "tac-files", "http://127.0.0.1:9000"]
