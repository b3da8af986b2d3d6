"""The Write-Off Report benchmark's data, made by PostgreSQL itself with `generate_series`:
a million memo items in about a minute, where the ORM would take many.

`items` memo items come from `items / 4` invoices of four lines each (a charge, its tax, a
discount of it and the discount's tax), each written off in full by one credit memo. Three
currencies (6 USD, 3 EUR and 1 JPY of every 10 invoices), 1,000 accounts, the seven reason
codes in turn, one memo in five not revenue impacting (booked to bad debt), and one in ten
reversed 0 to 44 days after its memo date by a debit memo of its own. Memo dates run over the
two years 2025 and 2026, so one month holds about a twenty-fourth of the items.

Every row keeps the database's rules (line kinds and signs, parents on the same document,
balances within amounts, a reversed memo's debit memo, date, reason, who and when), so the
application works on this data as on any other.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection, transaction

from billing.models import VIEW_DOCUMENTS, AccountingCode
from writeoffs.models import WRITE_OFF_PERMISSION, CreditMemoItem, NumberSequence, ReasonCode
from writeoffs.services import CREDIT_MEMO_SEQUENCE

USERNAME = "bench"
ACCOUNTS = 1000
FIRST_DAY = "2025-01-01"
DAYS = 730
#: The period that holds every entry: memo dates in 2025 and 2026, reversals up to 44 days on.
WHOLE_PERIOD = ("2025-01-01", "2027-02-28")
#: One month of memo dates and reversals.
ONE_MONTH = ("2026-11-01", "2026-11-30")

_DATA = """
INSERT INTO billing_account (number, name)
SELECT 'RA' || lpad(a::text, 6, '0'),
       CASE WHEN a %% 100 = 0 THEN '=HYPERLINK("http://example.com";"Customer ' || a || '")'
            ELSE 'Customer ' || a || ' Ltd' END
FROM generate_series(1, %(accounts)s) a;

CREATE TEMPORARY TABLE bench_doc ON COMMIT DROP AS
SELECT i,
       CASE WHEN i %% 10 < 6 THEN 'USD' WHEN i %% 10 < 9 THEN 'EUR' ELSE 'JPY' END AS currency,
       %(first_day)s::date + (i %% %(days)s) AS day,
       i %% 10 = 0 AS reversed,
       i %% 5 <> 0 AS revenue_impacting
FROM generate_series(1, %(documents)s) i;

ALTER TABLE bench_doc ADD COLUMN charge numeric, ADD COLUMN tax numeric,
    ADD COLUMN discount numeric, ADD COLUMN discount_tax numeric;
UPDATE bench_doc SET
    charge = CASE WHEN currency = 'JPY' THEN 10000 + (i %% 400) * 100
                  ELSE 100 + i %% 400 + (i %% 100) / 100.0 END;
UPDATE bench_doc SET
    tax = round(charge * 0.0825, CASE WHEN currency = 'JPY' THEN 0 ELSE 2 END),
    discount = -round(charge * 0.1, CASE WHEN currency = 'JPY' THEN 0 ELSE 2 END);
UPDATE bench_doc SET
    discount_tax = -round(-discount * 0.0825, CASE WHEN currency = 'JPY' THEN 0 ELSE 2 END);

INSERT INTO billing_billingdocument
    (id, type, number, account_id, currency, date, due_date, status, amount, balance)
SELECT %(document_base)s + i, 'invoice', 'RB' || lpad(i::text, 9, '0'),
       (SELECT min(id) FROM billing_account WHERE number LIKE 'RA%%') + i %% %(accounts)s,
       currency, day, day + 30, 'Posted',
       charge + tax + discount + discount_tax,
       CASE WHEN reversed THEN charge + tax + discount + discount_tax ELSE 0 END
FROM bench_doc;

-- The reversing debit memos: one per reversed memo, settled by it.
INSERT INTO billing_billingdocument
    (id, type, number, account_id, currency, date, due_date, status, amount, balance)
SELECT %(document_base)s + %(documents)s + i, 'debit_memo', 'RBDM' || lpad(i::text, 9, '0'),
       (SELECT min(id) FROM billing_account WHERE number LIKE 'RA%%') + i %% %(accounts)s,
       currency, day + (i %% 20) + (i %% 45), day + (i %% 20) + (i %% 45), 'Posted',
       charge + tax + discount + discount_tax, 0
FROM bench_doc WHERE reversed;

INSERT INTO billing_lineitem
    (id, document_id, position, kind, parent_id, description, service_start, service_end,
     amount, balance, accounting_code_id, revenue_code_id)
SELECT %(line_base)s + (i - 1) * 4 + k + 1, %(document_base)s + i, k,
       (ARRAY['charge', 'tax', 'discount', 'discount_tax'])[k + 1],
       CASE k WHEN 0 THEN NULL WHEN 3 THEN %(line_base)s + (i - 1) * 4 + 3
              ELSE %(line_base)s + (i - 1) * 4 + 1 END,
       (ARRAY['Plan ' || i %% 50, 'Sales tax', 'Loyalty discount', 'Sales tax on discount'])[k + 1],
       CASE WHEN k = 0 THEN day END, CASE WHEN k = 0 THEN day + 29 END,
       (ARRAY[charge, tax, discount, discount_tax])[k + 1],
       CASE WHEN reversed THEN (ARRAY[charge, tax, discount, discount_tax])[k + 1] ELSE 0 END,
       CASE WHEN k IN (0, 2) THEN %(deferred)s ELSE %(tax_code)s END,
       CASE WHEN k = 0 THEN %(revenue)s END
FROM bench_doc CROSS JOIN generate_series(0, 3) k;

INSERT INTO writeoffs_creditmemo
    (id, number, document_id, memo_date, reason_code_id, comment, revenue_impacting, status,
     total, created_by_id, created_at, reversing_debit_memo_id, reversal_date,
     reversal_reason_code_id, reversal_comment, reversed_by_id, reversed_at)
SELECT %(memo_base)s + i, 'CM' || lpad(i::text, 8, '0'), %(document_base)s + i,
       day + (i %% 20), (%(reasons)s::bigint[])[i %% %(reason_count)s + 1], '', revenue_impacting,
       CASE WHEN reversed THEN 'Reversed' ELSE 'Posted' END,
       charge + tax + discount + discount_tax, %(user)s,
       ((day + (i %% 20)) + TIME '10:00') AT TIME ZONE 'UTC',
       CASE WHEN reversed THEN %(document_base)s + %(documents)s + i END,
       CASE WHEN reversed THEN day + (i %% 20) + (i %% 45) END,
       CASE WHEN reversed THEN %(default_reason)s END, '',
       CASE WHEN reversed THEN %(user)s END,
       CASE WHEN reversed THEN ((day + (i %% 20) + (i %% 45)) + TIME '15:00') AT TIME ZONE 'UTC' END
FROM bench_doc;

INSERT INTO writeoffs_creditmemoitem (id, memo_id, source_line_id, amount, accounting_code_id)
SELECT %(item_base)s + (i - 1) * 4 + k + 1, %(memo_base)s + i, %(line_base)s + (i - 1) * 4 + k + 1,
       (ARRAY[charge, tax, discount, discount_tax])[k + 1],
       CASE WHEN NOT revenue_impacting THEN %(bad_debt)s
            WHEN k IN (0, 2) THEN %(deferred)s ELSE %(tax_code)s END
FROM bench_doc CROSS JOIN generate_series(0, 3) k;
"""

_TABLES = (
    "billing_account",
    "billing_billingdocument",
    "billing_lineitem",
    "writeoffs_creditmemo",
    "writeoffs_creditmemoitem",
)


def _user() -> int:
    user, _ = get_user_model().objects.get_or_create(username=USERNAME)
    for name in (VIEW_DOCUMENTS, WRITE_OFF_PERMISSION):
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user.pk


def _code(code: str, name: str, type_: str) -> int:
    return AccountingCode.objects.get_or_create(code=code, defaults={"name": name, "type": type_})[
        0
    ].pk


def items_loaded() -> int:
    return CreditMemoItem.objects.count()


def load(items: int) -> None:
    """Fill an empty database with `items` memo items (a multiple of 4), in one transaction."""
    if items % 4:
        raise ValueError("the items come four to a memo")
    Type = AccountingCode.Type
    with transaction.atomic():
        params = {
            "accounts": ACCOUNTS,
            "documents": items // 4,
            "first_day": FIRST_DAY,
            "days": DAYS,
            "user": _user(),
            "deferred": _code("2500", "Deferred Revenue", Type.DEFERRED_REVENUE),
            "revenue": _code("4000", "Subscription Revenue", Type.SALES_REVENUE),
            "tax_code": _code("2200", "Sales Tax Payable", Type.SALES_TAX_PAYABLE),
            "bad_debt": _code("6100", "Bad Debt Expense", Type.BAD_DEBT),
            "reasons": list(ReasonCode.objects.order_by("pk").values_list("pk", flat=True)),
            "default_reason": ReasonCode.objects.default().pk,
        }
        with connection.cursor() as cursor:
            for table, key in (
                ("billing_billingdocument", "document_base"),
                ("billing_lineitem", "line_base"),
                ("writeoffs_creditmemo", "memo_base"),
                ("writeoffs_creditmemoitem", "item_base"),
            ):
                cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
                params[key] = cursor.fetchone()[0]
            params["reason_count"] = len(params["reasons"])
            for statement in _DATA.split(";\n\n"):
                cursor.execute(statement, params)
            for table in _TABLES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        NumberSequence.objects.update_or_create(
            name=CREDIT_MEMO_SEQUENCE, defaults={"last_value": items // 4}
        )
    with connection.cursor() as cursor:
        for table in _TABLES:
            cursor.execute(f"ANALYZE {table}")
