"""``manage.py drf_create_token USER``: a new API token for a user, printed once.

Same name and output as DRF's command (operators' scripts and the load test read it), but the
token is a hashed, named ``portal.ApiToken``: it is listed on the user's token page and in
``/api/v1/tokens/``, where it can be revoked.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from portal import tokens
from portal.automation_models import ApiToken


class Command(BaseCommand):
    help = "Create an API token for a given user and print it (shown once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", type=str)
        parser.add_argument(
            "-r",
            "--reset",
            action="store_true",
            dest="reset_token",
            default=False,
            help="Revoke the user's existing tokens first.",
        )
        parser.add_argument("--name", default="manage.py", help="The token's name.")

    def handle(self, *args, **options) -> None:
        username = options["username"]
        User = get_user_model()  # noqa: N806
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"Cannot create the Token: user {username} does not exist") from None
        if options["reset_token"]:
            ApiToken.objects.filter(user=user).delete()
        _token, key = tokens.api_token_create(actor=None, user=user, name=options["name"])
        self.stdout.write(f"Generated token {key} for user {username}")
