"""Reads whose SQL the ORM writes once a process, not on every request.

A document's page, its dialog and every keystroke's live total read the document and its
lines. Building those two querysets and compiling them took the ORM about 1.5 ms of each
request, five times what the database took to answer them (0.3 ms). A `Compiled` read asks
the ORM for its SQL once per database, with a marker in the place of each value it is given,
and from then on runs that SQL with the values in the markers' places. The SQL stays the
ORM's (its tables, columns, joins and quoting follow the models), and so do the values read:
they go through the ORM's converters, as `values_list()` would convert them (SQLite's decimals,
for one).

Only a comparison with one value (equal, before or after it, or a text holding it as
`icontains` looks) can be compiled so: a value that would change the SQL's shape (None, which
the ORM turns into IS NULL; a list) is refused, as is any type other than the one the read
was first run with. What does change the SQL is its `shape`, given apart (which filters
apply, which way a list is read, how many accounts a search names): a statement is kept for
each shape and each set of values' names.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet


@dataclass(frozen=True)
class _Statement:
    sql: str
    #: The parameters as the ORM wrote them, markers included.
    params: tuple
    #: Where each value goes among them: (position, name, whether it is looked for inside
    #: a text, as `contains` and `icontains` look).
    slots: tuple[tuple[int, str, bool], ...]
    #: The value's type of each name.
    types: dict[str, type]
    #: The ORM's converters of the columns: (position, converters, expression).
    converters: tuple


#: Types a value may have, and how its marker is made from its name and number.
_MARKERS: dict[type, Callable[[str, int], object]] = {
    int: lambda name, number: -(2**62) - number,
    str: lambda name, number: f"\x00compiled:{name}\x00",
    date: lambda name, number: date.min + timedelta(days=number),
}


class Compiled:
    """`build(*shape, **values)` returns the queryset of the read, a `values_list()` one;
    `rows(**values)` runs it and `count(**values)` counts its rows. `build` is called once per
    database, shape and set of names, with markers for the values."""

    def __init__(self, build: Callable[..., QuerySet]):
        self._build = build
        self._statements: dict[tuple, _Statement] = {}

    def rows(self, using: str = DEFAULT_DB_ALIAS, *, shape: tuple = (), **values) -> list[tuple]:
        statement = self._statement(using, shape, values, counted=False)
        rows = self._run(using, statement, values)
        if not statement.converters:
            return rows
        connection = connections[using]
        return [_converted(row, statement.converters, connection) for row in rows]

    def count(self, using: str = DEFAULT_DB_ALIAS, *, shape: tuple = (), **values) -> int:
        """How many rows the read has (up to its LIMIT, when it has one)."""
        [(count,)] = self._run(using, self._statement(using, shape, values, counted=True), values)
        return count

    def _statement(self, using: str, shape: tuple, values: dict, *, counted: bool) -> _Statement:
        key = (using, shape, frozenset(values), counted)
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = self._compile(using, shape, values, counted)
        for name, value in values.items():
            if type(value) is not statement.types[name]:
                raise TypeError(f"{name} must be {statement.types[name].__name__}: {value!r}")
        return statement

    def _run(self, using: str, statement: _Statement, values: dict) -> list[tuple]:
        connection = connections[using]
        params = list(statement.params)
        for position, name, inside in statement.slots:
            value = _sent(connection, values[name])
            params[position] = f"%{connection.ops.prep_for_like_query(value)}%" if inside else value
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, params)
            return cursor.fetchall()

    def _compile(self, using: str, shape: tuple, values: dict, counted: bool) -> _Statement:
        markers, types = {}, {}
        for number, (name, value) in enumerate(values.items()):
            if type(value) not in _MARKERS:
                raise TypeError(f"{name} must be an int, a str or a date: {value!r}")
            types[name] = type(value)
            markers[name] = _MARKERS[type(value)](name, number)
        queryset = self._build(*shape, **markers)
        query = queryset.query
        columns = [*query.extra_select, *query.values_select, *query.annotation_select]
        if not queryset._fields or list(queryset._fields) != columns:
            # values_list() puts its annotations last in the SQL, whatever their order.
            raise ValueError("a compiled read is a values_list() naming its annotations last")
        compiler = query.get_compiler(using)
        sql, params = compiler.as_sql()
        sent = {name: _sent(compiler.connection, marker) for name, marker in markers.items()}
        slots = tuple(
            (position, name, param != marker)
            for position, param in enumerate(params)
            for name, marker in sent.items()
            if type(param) is type(marker) and param in (marker, _inside(marker))
        )
        if sorted({name for _, name, _ in slots}) != sorted(markers):
            raise ValueError(f"not every value is a parameter of the compiled SQL: {sql}")
        expressions = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = tuple(
            (position, functions, expression)
            for position, (functions, expression) in compiler.get_converters(expressions).items()
        )
        if counted:
            # As the ORM counts a sliced queryset: its query as a subquery.
            sql, converters = f"SELECT COUNT(*) FROM ({sql}) subquery", ()
        return _Statement(sql, tuple(params), slots, types, converters)


def _inside(marker):
    """The pattern `icontains` sends for a text marker (which holds nothing LIKE escapes)."""
    return f"%{marker}%" if type(marker) is str else None


def _sent(connection, value):
    """`value` as the ORM sends it: a date as the database takes a DateField's (SQLite's as
    text)."""
    if type(value) is date:
        return connection.ops.adapt_datefield_value(value)
    return value


def _converted(row, converters, connection) -> tuple:
    row = list(row)
    for position, functions, expression in converters:
        value = row[position]
        for function in functions:
            value = function(value, expression, connection)
        row[position] = value
    return tuple(row)
