"""System checks of what the write-offs ask of the database: run by `manage.py check
--database default` and by `migrate`, which name the database they may query."""

from django.core import checks
from django.db import connections


@checks.register(checks.Tags.database)
def temporary_tables(app_configs, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """`import_invoices` keeps the document numbers it meets in a temporary table, so that its
    memory does not grow with the file; on PostgreSQL a role can be refused them (REVOKE
    TEMPORARY), and every import would then end in the database's refusal."""
    problems = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT has_database_privilege(current_database(), 'TEMPORARY')")
            (allowed,) = cursor.fetchone()
        if not allowed:
            problems.append(
                checks.Warning(
                    f"The role of the database '{alias}' may not create temporary tables.",
                    hint="import_invoices needs them and would import nothing: grant the "
                    "role TEMPORARY on the database.",
                    id="writeoffs.W001",
                )
            )
    return problems
