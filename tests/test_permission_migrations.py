"""Users and groups who could see and write off invoices keep their access once the
permissions speak of billing documents (migrations billing 0006 and writeoffs 0006)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from billing.models import VIEW_DOCUMENTS
from writeoffs.models import WRITE_OFF_PERMISSION

BEFORE = [("billing", "0005_line_parent_statement_trigger"), ("writeoffs", "0005_list_indexes")]


@pytest.mark.django_db(transaction=True)
def test_holders_of_the_invoice_permissions_keep_their_access():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Permission = old.get_model("auth", "Permission")

    def permission(app_label, codename):
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)

    invoice_permissions = [
        permission("billing", "view_invoice"),
        permission("writeoffs", "write_off_invoice"),
    ]
    clerk = old.get_model("auth", "User").objects.create(username="old-clerk")
    clerk.user_permissions.add(*invoice_permissions)
    finance = old.get_model("auth", "Group").objects.create(name="Finance")
    finance.permissions.add(*invoice_permissions)
    member = old.get_model("auth", "User").objects.create(username="old-member")
    member.groups.add(finance)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    User = get_user_model()
    for username in ("old-clerk", "old-member"):
        user = User.objects.get(username=username)
        assert user.has_perm(VIEW_DOCUMENTS), username
        assert user.has_perm(WRITE_OFF_PERMISSION), username
