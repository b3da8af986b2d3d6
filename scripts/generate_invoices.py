"""Write a C7 import file of N generated invoices, for measuring `import_invoices`.

    python scripts/generate_invoices.py 100000 > invoices.json

Each invoice has 6 to 12 lines, 8.7 on average (charges with their tax, half of them discounted
with the discount's tax) in USD, EUR or JPY; a third are partly paid. The same N gives the same
file. It is written one invoice at a time, so that making a large one needs little memory.
"""

import json
import random
import sys
from decimal import ROUND_HALF_UP, Decimal

CODES = [
    {"code": "2200", "name": "Sales Tax Payable", "type": "SalesTaxPayable"},
    {"code": "2500", "name": "Deferred Revenue", "type": "DeferredRevenue"},
    {"code": "4000", "name": "Subscription Revenue", "type": "SalesRevenue"},
]
CURRENCIES = {"USD": Decimal("0.01"), "EUR": Decimal("0.01"), "JPY": Decimal("1")}
PRICES = {"USD": Decimal("1"), "EUR": Decimal("0.92"), "JPY": Decimal("150")}
ACCOUNTS = 10_000


def _money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(CURRENCIES[currency], rounding=ROUND_HALF_UP)


def _group(rng: random.Random, n: int, currency: str, open_share: Decimal) -> list[dict]:
    """Charge `n` with its tax, and half the time a discount with its tax."""
    amount = _money(Decimal(rng.randint(20, 2000)) * PRICES[currency], currency)
    lines = [
        {
            "ref": f"c{n}",
            "kind": "charge",
            "description": f"Plan {rng.randint(1, 40)}",
            "service_start": "2026-10-01",
            "service_end": "2026-10-31",
            "amount": str(amount),
            "deferred_revenue_code": "2500",
            "revenue_code": "4000",
        },
        _tax(f"t{n}", "tax", f"c{n}", amount, currency),
    ]
    if rng.random() < 0.5:
        discount = -_money(amount * Decimal("0.1"), currency)
        lines.append(
            {
                "ref": f"d{n}",
                "kind": "discount",
                "parent": f"c{n}",
                "description": "10% Loyalty Discount",
                "amount": str(discount),
                "deferred_revenue_code": "2500",
            }
        )
        lines.append(_tax(f"dt{n}", "discount_tax", f"d{n}", discount, currency))
    if open_share != 1:
        for line in lines:
            line["balance"] = str(_money(Decimal(line["amount"]) * open_share, currency))
    return lines


def _tax(ref: str, kind: str, parent: str, base: Decimal, currency: str) -> dict:
    return {
        "ref": ref,
        "kind": kind,
        "parent": parent,
        "description": "Sales Tax",
        "amount": str(_money(base * Decimal("0.08"), currency)),
        "tax_code": "2200",
    }


def invoice(rng: random.Random, index: int) -> dict:
    currency = rng.choice(list(CURRENCIES))
    account = rng.randrange(ACCOUNTS)
    partly_paid = rng.random() < 0.33
    share = Decimal("0.5") if partly_paid else Decimal(1)
    wanted, lines = rng.randint(5, 10), []
    while len(lines) < wanted:
        lines += _group(rng, len(lines) + 1, currency, share)
    return {
        "type": "invoice",
        "number": f"INV{index:08d}",
        "account": {"number": f"A{account:08d}", "name": f"Customer {account}"},
        "currency": currency,
        "date": "2026-10-01",
        "due_date": "2026-10-31",
        "status": "Posted",
        "lines": lines,
    }


def main(count: int, out) -> None:
    rng = random.Random(count)
    out.write('{"accounting_codes": ' + json.dumps(CODES) + ', "documents": [\n')
    for index in range(count):
        out.write(("" if index == 0 else ",\n") + json.dumps(invoice(rng, index + 1)))
    out.write("\n]}\n")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.stdout)
