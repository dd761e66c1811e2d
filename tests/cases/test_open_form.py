"""The portal's open-case form: no default urgency or impact, the severity shown live from the
rules, the TAC phone number where partners are asked to call it (R-CASE-5, R-CASE-11)."""

from __future__ import annotations

import json
import re

import pytest

from cases import rules
from cases.models import Case

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_urgency_and_impact_have_no_default(client_for, bob):
    response = client_for(bob).get("/cases/new/")
    form = response.context["form"]
    assert form["urgency"].value() in (None, "") and form["impact"].value() in (None, "")
    html = response.content.decode()
    urgency = re.search(r'<select name="urgency"[^>]*>(.*?)</select>', html, re.S).group(1)
    first = re.search(r"<option([^>]*)>", urgency).group(1)
    assert 'value=""' in first and "selected" not in urgency.split("</option>", 1)[1]


def test_urgency_is_required(client_for, bob, open_payload):
    response = client_for(bob).post("/cases/new/", open_payload(urgency=""))
    assert response.status_code == 400 and response.context["form"].errors["urgency"]
    assert not Case.objects.exists()


def test_impact_or_share_is_required_in_plain_words(client_for, bob, open_payload):
    response = client_for(bob).post("/cases/new/", open_payload(impact=""))
    errors = response.context["form"].errors["impact"]
    assert response.status_code == 400 and errors and "R-" not in " ".join(errors)


def test_the_page_carries_the_severity_rules_as_json_data_r_case_5(client_for, bob):
    html = client_for(bob).get("/cases/new/").content.decode()
    data = re.search(
        r'<script id="case-severity-rules" type="application/json">(.*?)</script>', html, re.S
    ).group(1)
    data = json.loads(data)
    for (urgency, impact), severity in rules.SEVERITY_MATRIX.items():
        assert data["matrix"][urgency][impact] == severity
    assert data["bounds"] == [["0.75", "widespread"], ["0.5", "large"], ["0.25", "localized"]]
    assert "15 minutes" in data["objectives"]["S1"]["respond"]
    assert data["objectives"]["S1"]["phone"] and not data["objectives"]["S3"]["phone"]


def test_the_page_has_no_inline_script(client_for, bob):
    html = client_for(bob).get("/cases/new/").content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_the_tac_phone_number_is_shown_where_partners_are_asked_to_call(
    client_for, bob, customer_a, settings
):
    settings.TAC_PHONE_NUMBER = "+1 555 0100"
    client = client_for(bob)
    assert "+1 555 0100" in client.get("/cases/new/").content.decode()
    case = CaseFactory(customer=customer_a, urgency="critical", impact="widespread")
    assert "+1 555 0100" in client.get(f"/cases/{case.pk}/").content.decode()


def test_the_tac_phone_number_defaults_to_the_global_line(settings):
    from portal import settings as project_settings

    assert project_settings.TAC_PHONE_NUMBER == "1-800-553-2447"


def test_the_open_page_in_portuguese(client_for, bob, partner_a):
    partner_a.language = "pt-br"  # the partner's default language reaches its users' pages
    partner_a.save(update_fields=["language"])
    html = client_for(bob).get("/cases/new/").content.decode()
    assert "1-800-553-2447" in html and "gravidade" in html.lower()


RULE_ID = re.compile(r"R-[A-Z]+-\d+")


def test_partner_pages_speak_plain_language_without_rule_ids(
    client_for, bob, staff, customer_a, open_payload
):
    client = client_for(bob)
    refused = client.post("/cases/new/", open_payload(contract_number="WRONG-1"))
    assert refused.status_code == 400 and not RULE_ID.search(refused.content.decode())
    assert not RULE_ID.search(client.get("/cases/new/").content.decode())
    case = CaseFactory(customer=customer_a)
    page = client.post(f"/cases/{case.pk}/transition/", {"status": "closed"}, follow=True)
    html = page.content.decode()
    assert "cannot go from" in html and not RULE_ID.search(html)


def test_the_admin_still_names_the_rule_for_staff(client_for, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    response = client_for(staff).post(
        f"/admin/cases/case/{case.pk}/do/transition/", {"status": "closed"}
    )
    assert response.status_code == 400 and "(R-CASE-12)" in response.content.decode()
