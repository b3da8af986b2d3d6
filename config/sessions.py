"""Django's database sessions (`SESSION_ENGINE`), each read with one plain query.

Every signed-in request reads its session, and the ORM took about half a millisecond to build
that query each time, twice what the database took to answer it. The query is the ORM's
(the session whose key is the cookie's, if it has not expired), written once as SQL; creating,
saving, deleting and clearing sessions are Django's.
"""

from functools import cache

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_session_sql(alias), [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0])


@cache
def _session_sql(alias: str) -> str:
    from django.contrib.sessions.models import Session

    quote, meta = connections[alias].ops.quote_name, Session._meta

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    return (
        f"SELECT {column('session_data')} FROM {quote(meta.db_table)} "
        f"WHERE {column('session_key')} = %s AND {column('expire_date')} > %s"
    )
