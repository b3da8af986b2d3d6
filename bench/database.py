"""The benchmark's PostgreSQL databases: made, copied and dropped by name, before Django
connects to them."""

import contextlib
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


def ensure(url: str) -> None:
    """Create the database `url` names if it does not exist."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(maintenance_url(url), autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if found.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def copy(url: str, *, template_url: str) -> None:
    """(Re)create the database `url` names as a copy of the one `template_url` names."""
    name = urlsplit(url).path.lstrip("/")
    template = urlsplit(template_url).path.lstrip("/")
    with psycopg.connect(maintenance_url(url), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )


def checkpoint(url: str) -> None:
    """Have the server write out what earlier work left in memory (CHECKPOINT), so that a timed
    run does not pay for a checkpoint the runs before it made due. Where the role may not
    (PostgreSQL 15 asks for a superuser or pg_checkpoint), the run is timed without."""
    with (
        psycopg.connect(maintenance_url(url), autocommit=True) as connection,
        contextlib.suppress(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute("CHECKPOINT")


def drop(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(maintenance_url(url), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def maintenance_url(url: str) -> str:
    """The same server's `postgres` database, to create and drop others from."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres", query="", fragment=""))


def sibling_url(url: str, suffix: str) -> str:
    """The URL of another database on the same server, named after this one."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path + suffix))
