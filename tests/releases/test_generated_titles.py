"""An upgrade planned without a typed title reads "Upgrade to …" in the reader's language."""

import pytest
from django.utils import translation

from portal.models import UserProfile
from tests.factories import token_client

from .factories import load_table, plan_upgrade

pytestmark = pytest.mark.django_db


def test_an_upgrade_title_is_rendered_not_stored(staff, customer_a):
    upgrade = plan_upgrade(customer_a, staff, load_table(staff)["15.0 SU2"])
    change = upgrade.change
    assert change.title == "" and change.description == ""
    assert change.display_title == "Upgrade to v15 SU2"
    assert change.display_description == "Upgrade of all applications to v15 SU2."
    with translation.override("pt-br"):
        assert change.display_title == "Atualização de versão para v15 SU2"
        assert change.display_description == (
            "Atualização de versão de todas as aplicações para v15 SU2."
        )


def test_a_typed_upgrade_title_is_kept(staff, customer_a):
    upgrade = plan_upgrade(
        customer_a, staff, load_table(staff)["15.0 SU2"], title="Alpha Bank to SU2"
    )
    with translation.override("pt-br"):
        assert upgrade.change.display_title == "Alpha Bank to SU2"


def test_the_upgrade_api_and_page_speak_the_readers_language(
    api, client_for, bob, staff, customer_a
):
    upgrade = plan_upgrade(customer_a, staff, load_table(staff)["15.0 SU2"])
    UserProfile.objects.update_or_create(user=bob, defaults={"language": "pt-br"})

    body = token_client(bob).get(f"/api/v1/upgrades/{upgrade.pk}/").json()
    assert body["title"] == "Atualização de versão para v15 SU2"
    page = client_for(bob).get(f"/releases/upgrades/{upgrade.pk}/").content.decode()
    assert "Atualização de versão para v15 SU2" in page
    assert token_client(staff).get(f"/api/v1/upgrades/{upgrade.pk}/").json()["title"] == (
        "Upgrade to v15 SU2"
    )
