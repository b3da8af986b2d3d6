"""The bulk write-off permission: made by a migration, held by nobody until given; the demo's
finance user gets it from seed_demo."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from writeoffs.models import BULK_WRITE_OFF_PERMISSION

pytestmark = pytest.mark.django_db


def test_the_permission_exists_and_nobody_holds_it():
    permission = Permission.objects.get(
        content_type__app_label="writeoffs", codename="bulk_write_off"
    )
    assert permission.name == "Can write off many documents at once"
    assert not permission.user_set.exists()
    assert not Group.objects.filter(permissions=permission).exists()


def test_seed_demo_gives_it_to_the_finance_user_only():
    call_command("seed_demo", allow_published_passwords=True, stdout=io.StringIO())
    users = get_user_model().objects.filter(is_superuser=False)
    assert {user.username for user in users if user.has_perm(BULK_WRITE_OFF_PERMISSION)} == {
        "finance"
    }
