"""Sums of money columns that are exact on every database the project runs on."""

from decimal import Decimal

from django.db import models

from billing.money import DECIMAL_PLACES

_UNITS = 10**DECIMAL_PLACES


class ExactAmount(models.Field):
    """What `ExactSum` gives: a `Decimal`, from PostgreSQL's exact numeric or from SQLite's
    integer count of ten-thousandths. Its own type, so no backend converts it on the way
    (Django reads SQLite's decimals through binary floating point)."""

    def get_internal_type(self) -> str:
        return "ExactAmount"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        if isinstance(value, int):
            return Decimal(value).scaleb(-DECIMAL_PLACES)
        return Decimal(value)


class ExactSum(models.Sum):
    """`SUM` of a money column, exact on every database.

    SQLite keeps a decimal as a binary float (to 15 digits) and would add floats. Each amount,
    scaled to whole ten-thousandths and rounded, is the exact integer it stood for, and SQLite
    adds integers exactly (it refuses a sum beyond 64 bits rather than round it: about 922
    trillion in a currency's units, far beyond what a demo database holds).
    """

    def __init__(self, expression, **extra):
        super().__init__(expression, output_field=ExactAmount(), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        template = f"%(function)s(CAST(ROUND(%(expressions)s * {_UNITS}) AS INTEGER))"
        return self.as_sql(compiler, connection, template=template, **extra_context)
