"""Django's ModelBackend, reading a signed-in user and their permissions in one plain query.

Every page loads the user its session names and checks a permission, and ModelBackend reads
the user, their own permissions and their groups' in three queries. Here one query reads all
three: the user's row, with the names of the permissions they hold, theirs or their groups',
joined into one text (on PostgreSQL and SQLite; elsewhere the user is read as ModelBackend
reads them). An API token is read with its user's permissions the same way
(`user_columns_sql`, `permissions_known`). A user loaded any other way has their permissions
read, when first asked for, in one query of their own. It is written as SQL because the ORM
took a millisecond or two to build each of these queries on every request, more than the
database took to answer them. Everything else, superusers and inactive users included, is
ModelBackend's.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection


def column_sql(meta, name: str) -> str:
    """The quoted column of the field `name` of the model whose `_meta` is `meta`."""
    return connection.ops.quote_name(meta.get_field(name).column)


def table_sql(meta) -> str:
    """The quoted table of the model whose `_meta` is `meta`."""
    return connection.ops.quote_name(meta.db_table)


#: How each database joins the permissions' names into one text: `app_label.codename`, which
#: holds no comma.
_JOINED = {
    "postgresql": "string_agg({}, ',')",
    "sqlite": "group_concat({}, ',')",
}


@cache
def _held_permissions_sql(*, joined: bool, user: str = "%s") -> str:
    """The permissions a user holds, their own or their groups': each one's `app_label` and
    `codename`, or (`joined`) all their `app_label.codename` joined by commas in one text,
    NULL for none. `user` is the user's id: by default each of its two parameters, or a column
    of the query it is part of."""
    user_permissions = get_user_model().user_permissions.through._meta
    user_groups = get_user_model().groups.through._meta
    group_permissions = Group.permissions.through._meta
    permission, content_type = Permission._meta, ContentType._meta
    app_label, codename = column_sql(content_type, "app_label"), column_sql(permission, "codename")
    if joined:
        columns = _JOINED[connection.vendor].format(f"ct.{app_label} || '.' || p.{codename}")
    else:
        columns = f"ct.{app_label}, p.{codename}"
    return (
        f"SELECT {columns} FROM {table_sql(permission)} p JOIN {table_sql(content_type)} ct "
        f"ON ct.{column_sql(content_type, 'id')} = p.{column_sql(permission, 'content_type')} "
        f"WHERE p.{column_sql(permission, 'id')} IN ("
        f"SELECT {column_sql(user_permissions, 'permission')} FROM {table_sql(user_permissions)} "
        f"WHERE {column_sql(user_permissions, 'user')} = {user} "
        f"UNION ALL SELECT gp.{column_sql(group_permissions, 'permission')} "
        f"FROM {table_sql(group_permissions)} gp JOIN {table_sql(user_groups)} ug "
        f"ON ug.{column_sql(user_groups, 'group')} = gp.{column_sql(group_permissions, 'group')} "
        f"WHERE ug.{column_sql(user_groups, 'user')} = {user})"
    )


@cache
def user_columns_sql(user: str = "%s") -> str | None:
    """The columns of a user's row (the table named `u`), then `permission_names`
    (`_held_permissions_sql`, joined) of the user whose id is `user`: by default each of its
    two parameters, or a quoted column of the query it is part of (an API token's user).
    Pass the value read to `permissions_known`. None where the database cannot join the
    names."""
    if connection.vendor not in _JOINED:
        return None
    # The columns by name, not `u.*`: a prepared statement (settings.DATABASES) whose result
    # gained a column, once a migration added one to the table, would fail until reconnected.
    columns = ", ".join(
        f"u.{connection.ops.quote_name(field.column)}"
        for field in get_user_model()._meta.concrete_fields
    )
    return f"{columns}, ({_held_permissions_sql(joined=True, user=user)}) AS permission_names"


@cache
def _user_sql() -> str:
    """A user's row, with `permission_names`. The user's id is each of its three parameters."""
    user = get_user_model()._meta
    return (
        f"SELECT {user_columns_sql()} "
        f"FROM {table_sql(user)} u WHERE u.{column_sql(user, user.pk.name)} = %s"
    )


def permissions_known(user, names: str | None) -> None:
    """Django's permission cache of `user`, filled from the joined `names` read with them, so
    that checking a permission asks no query. A superuser holds every permission: those are
    read when asked for."""
    if not user.is_superuser:
        user._perm_cache = set(names.split(",")) if names else set()


class OneQueryModelBackend(ModelBackend):
    def get_user(self, user_id):
        if connection.vendor not in _JOINED:
            return super().get_user(user_id)
        user_model = get_user_model()
        user_id = user_model._meta.pk.to_python(user_id)
        user = next(iter(user_model._default_manager.raw(_user_sql(), [user_id] * 3)), None)
        if user is None or not self.user_can_authenticate(user):
            return None
        permissions_known(user, user.permission_names)
        return user

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                rows = Permission.objects.values_list("content_type__app_label", "codename")
            else:
                with connection.cursor() as cursor:
                    cursor.execute(_held_permissions_sql(joined=False), [user_obj.pk, user_obj.pk])
                    rows = cursor.fetchall()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
