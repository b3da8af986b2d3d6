"""The permission backend reads what Django's ModelBackend reads, in one query."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from config.auth import OneQueryModelBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def permission(name):
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_a_users_own_and_group_permissions_are_read_in_one_query(django_assert_num_queries):
    user = UserFactory(permissions=["billing.view_billingdocument"])
    group = Group.objects.create(name="Finance")
    group.permissions.add(permission("writeoffs.write_off_document"))
    user.groups.add(group)
    expected = ModelBackend().get_all_permissions(fresh(user))
    user = fresh(user)
    with django_assert_num_queries(1):
        found = OneQueryModelBackend().get_all_permissions(user)
    assert found == expected == {"billing.view_billingdocument", "writeoffs.write_off_document"}


def test_superusers_hold_every_permission_and_inactive_users_none(django_user_model):
    boss = django_user_model.objects.create_superuser("boss", password="x")
    assert OneQueryModelBackend().get_all_permissions(boss) == {
        f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.all()
    }
    gone = UserFactory(permissions=["billing.view_billingdocument"], is_active=False)
    assert OneQueryModelBackend().get_all_permissions(gone) == set()
    assert not gone.has_perm("billing.view_billingdocument")
