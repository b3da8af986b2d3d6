"""The permission backend reads what Django's ModelBackend reads, in one query; an API token's
user comes with their permissions in the token's query."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import services
from api.models import ApiToken
from api.services import api_token_create, api_token_revoke, api_token_user
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


def test_a_signed_in_user_and_their_permissions_are_read_in_one_query(
    django_assert_num_queries,
):
    user = UserFactory(permissions=["billing.view_billingdocument", "writeoffs.view_reasoncode"])
    group = Group.objects.create(name="Finance")
    group.permissions.add(permission("writeoffs.write_off_document"))
    group.permissions.add(permission("billing.view_billingdocument"))  # held twice
    user.groups.add(group)
    with django_assert_num_queries(1):
        loaded = OneQueryModelBackend().get_user(str(user.pk))
        found = loaded.get_all_permissions()
        assert loaded.has_perm("writeoffs.write_off_document")
    assert loaded == user and loaded.username == user.username
    assert loaded.password == user.password  # the session's hash is checked against it
    assert found == ModelBackend().get_all_permissions(fresh(user))
    assert found == {
        "billing.view_billingdocument",
        "writeoffs.view_reasoncode",
        "writeoffs.write_off_document",
    }


def test_a_signed_in_user_holding_every_permission_is_read_in_one_query(
    django_assert_num_queries,
):
    user = UserFactory(permissions=["billing.view_billingdocument"])
    group = Group.objects.create(name="Everything")
    group.permissions.set(Permission.objects.all())
    user.groups.add(group)
    with django_assert_num_queries(1):
        loaded = OneQueryModelBackend().get_user(user.pk)
        found = loaded.get_all_permissions()
    assert found == ModelBackend().get_all_permissions(fresh(user))
    assert len(found) == Permission.objects.count() > 100


def test_a_signed_in_user_without_permissions_holds_none(django_assert_num_queries):
    user = UserFactory()
    with django_assert_num_queries(1):
        loaded = OneQueryModelBackend().get_user(user.pk)
        assert loaded.get_all_permissions() == set()
        assert not loaded.has_perm("billing.view_billingdocument")
    assert loaded == user


def test_a_signed_in_superuser_holds_every_permission(django_user_model):
    boss = django_user_model.objects.create_superuser("boss", password="x")
    loaded = OneQueryModelBackend().get_user(boss.pk)
    assert loaded == boss
    assert OneQueryModelBackend().get_all_permissions(loaded) == {
        f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.all()
    }


def test_an_inactive_or_missing_user_is_not_signed_in():
    gone = UserFactory(permissions=["billing.view_billingdocument"], is_active=False)
    assert OneQueryModelBackend().get_user(gone.pk) is None
    assert OneQueryModelBackend().get_user(gone.pk + 1000) is None


def test_a_page_reads_the_user_and_their_permissions_in_one_query(client):
    user = UserFactory(permissions=["billing.view_billingdocument"])
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/billing/invoices/")
    assert page.status_code == 200
    assert page.wsgi_request.user == user
    auth = [q["sql"] for q in queries if "auth_" in q["sql"]]
    assert len(auth) == 1 and '"auth_permission"' in auth[0] and '"auth_user"' in auth[0]


def test_an_api_tokens_user_comes_with_their_permissions_in_the_tokens_query(
    django_assert_num_queries, django_user_model
):
    user = UserFactory(permissions=["billing.view_billingdocument"])
    group = Group.objects.create(name="Finance")
    group.permissions.add(permission("writeoffs.write_off_document"))
    user.groups.add(group)
    _, token = api_token_create(user=user, name="x")
    ApiToken.objects.update(last_used=None)  # so that this use is recorded: a second query
    with django_assert_num_queries(2):
        found = api_token_user(token)
        assert found.has_perm("writeoffs.write_off_document")
        assert not found.has_perm("writeoffs.reverse_write_off")
    assert found == user
    assert found.get_all_permissions() == ModelBackend().get_all_permissions(fresh(user))
    bare = UserFactory()
    _, bare_token = api_token_create(user=bare, name="y")
    assert api_token_user(bare_token).get_all_permissions() == set()
    boss = django_user_model.objects.create_superuser("boss", password="x")
    _, boss_token = api_token_create(user=boss, name="z")
    assert api_token_user(boss_token).has_perm("writeoffs.reverse_write_off")


def test_an_api_tokens_user_is_read_by_the_orm_where_the_names_cannot_be_joined(monkeypatch):
    monkeypatch.setattr(services, "_token_user_sql", lambda: None)
    user = UserFactory(permissions=["writeoffs.write_off_document"])
    api_token, token = api_token_create(user=user, name="x")

    found = api_token_user(token)

    assert found == user and found.has_perm("writeoffs.write_off_document")
    assert ApiToken.objects.get().last_used is not None
    assert api_token_user("wo_" + "x" * 43) is None
    api_token_revoke(api_token=api_token)
    assert api_token_user(token) is None
