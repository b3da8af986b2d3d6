"""`python manage.py create_api_token USERNAME`: make an API token and print it, once (SPEC C3)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.services import api_token_create


class Command(BaseCommand):
    help = "Make an API token for USERNAME and print it. Only its hash is stored."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="API token", help="What the token is for.")

    def handle(self, *args, username, name, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"There is no user {username!r}.") from None
        if not user.is_active:
            raise CommandError(f"The user {username!r} is inactive; its token would not work.")
        api_token, token = api_token_create(user=user, name=name)
        self.stderr.write(
            f"API token {api_token.prefix}… for {username}. Copy it now: it is not shown again."
        )
        self.stdout.write(token)
