"""The OpenAPI document and its browsable docs (SPEC C8), and schemathesis against the served
document: for a bounded number of generated requests per operation, no 5xx and no response
that breaks the document."""

import pytest
import schemathesis
from django.contrib.auth.models import Permission
from django.contrib.staticfiles import finders
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from tests.api.helpers import DEBIT_MEMO, INVOICE, bearer
from tests.factories import write_off

DOCUMENT = "/api/v1/openapi.json"
DOCS = "/api/v1/docs"
SCHEMAS = "#/components/schemas/"


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("path", [DOCUMENT, DOCS])
def test_document_and_docs_need_a_signed_in_user(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_document_describes_the_six_operations(clerk_client):
    document = clerk_client.get(DOCUMENT).json()
    assert document["openapi"].startswith("3.1")
    operations = {
        (method, path, operation["operationId"])
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    assert operations == {
        ("get", "/api/v1/invoices/{number}", "getInvoice"),
        ("put", "/api/v1/invoices/{number}/write-off", "writeOffInvoice"),
        ("get", "/api/v1/debitmemos/{number}", "getDebitMemo"),
        ("put", "/api/v1/debitmemos/{number}/write-off", "writeOffDebitMemo"),
        ("get", "/api/v1/credit-memos/{number}", "getCreditMemo"),
        ("put", "/api/v1/credit-memos/{number}/reverse", "reverseCreditMemo"),
    }
    assert document["components"]["securitySchemes"] == {
        "BearerToken": {"type": "http", "scheme": "bearer"}
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("segment", "name", "item_id", "number", "date"),
    [
        ("invoices", "Invoice", "invoiceItemId", "invoiceNumber", "invoiceDate"),
        ("debitmemos", "DebitMemo", "debitMemoItemId", "number", "debitMemoDate"),
    ],
)
def test_each_kind_of_document_is_described_with_its_own_names(
    clerk_client, segment, name, item_id, number, date
):
    document = clerk_client.get(DOCUMENT).json()
    schemas = document["components"]["schemas"]

    read = document["paths"][f"/api/v1/{segment}/{{number}}"]["get"]
    response = read["responses"]["200"]["content"]["application/json"]["schema"]
    assert response == {"$ref": f"{SCHEMAS}{name}Out"}
    fields = list(schemas[f"{name}Out"]["properties"])
    assert fields[2:7] == [number, "accountNumber", "accountName", "currency", date]

    write_off = document["paths"][f"/api/v1/{segment}/{{number}}/write-off"]["put"]
    assert set(write_off["responses"]) == {"200", "400", "401", "403", "404", "409", "422"}
    body = write_off["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": f"{SCHEMAS}WriteOff{name}Request"}
    request = schemas[f"WriteOff{name}Request"]
    assert set(request["properties"]) == {
        "memoDate",
        "reasonCode",
        "comment",
        "revenueImpacting",
        "nonRevenueWriteOffAccountingCode",
        "items",
    }
    assert request["properties"]["items"]["items"] == {"$ref": f"{SCHEMAS}WriteOff{name}Item"}
    item = schemas[f"WriteOff{name}Item"]
    assert list(item["properties"]) == [item_id, "amountWithoutTax", "taxationItems"]
    assert item["required"] == [item_id]


@pytest.mark.django_db
def test_the_reversal_is_described_with_zuoras_names(clerk_client):
    document = clerk_client.get(DOCUMENT).json()
    schemas = document["components"]["schemas"]
    reverse = document["paths"]["/api/v1/credit-memos/{number}/reverse"]["put"]
    assert set(reverse["responses"]) == {"200", "400", "401", "403", "404", "409", "422"}
    assert reverse["security"] == [{"BearerToken": []}]
    assert [parameter["name"] for parameter in reverse["parameters"]] == [
        "number",
        "Idempotency-Key",
    ]
    body = reverse["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": f"{SCHEMAS}ReverseCreditMemoRequest"}
    request = schemas["ReverseCreditMemoRequest"]
    assert list(request["properties"]) == [
        "memoDate",
        "applyEffectiveDate",
        "reasonCode",
        "comment",
    ]
    response = reverse["responses"]["200"]["content"]["application/json"]["schema"]
    assert response == {"$ref": f"{SCHEMAS}ReverseCreditMemoOut"}
    assert list(schemas["ReverseCreditMemoOut"]["properties"]) == [
        "success",
        "creditMemo",
        "debitMemo",
    ]
    refusal = reverse["responses"]["422"]["content"]["application/json"]["schema"]
    assert refusal == {"$ref": f"{SCHEMAS}RefusalOut"}
    memo = schemas["CreditMemoOut"]["properties"]
    assert {"reversed", "reversingDebitMemoId", "reversalDate", "reversedBy"} <= set(memo)


@pytest.mark.django_db
def test_docs_are_served_from_local_static_files_under_the_sites_csp(clerk_client):
    response = clerk_client.get(DOCS)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<script src="/static/ninja/swagger-ui-bundle.js">' in page
    assert "cdn" not in page.lower()
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    for name in ["swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css"]:
        assert finders.find(f"ninja/{name}")


@pytest.fixture
def served_schema(live_server, client, clerk):
    """The document as the live server serves it, to a signed-in user."""
    client.force_login(clerk)
    session = client.cookies["sessionid"].value
    return schemathesis.openapi.from_url(
        f"{live_server.url}{DOCUMENT}", headers={"Cookie": f"sessionid={session}"}
    )


# Bounded so that the whole API suite stays well under a minute; derandomized so that CI runs
# the same examples every time. Each example is a real HTTP request, hence no time limits.
EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# schemathesis's own pytest integration (`from_fixture`) does not run under pytest 9, so each
# operation's generated cases are drawn here with Hypothesis directly. Its check that every
# schema-valid request is accepted does not apply: a well-formed write-off that breaks a rule
# is refused (422), as the document says.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", list(GenerationMode))
def test_api_conforms_to_its_document(
    served_schema, live_server, clerk, clerk_token, invoice, mode
):
    operations = [result.ok() for result in served_schema.get_all_operations()]
    assert len(operations) == 6
    # The clerk may also reverse, so that the reversal is really run (once; then refused).
    clerk.user_permissions.add(Permission.objects.get(codename="reverse_write_off"))
    # Generated numbers almost never name a document: half the cases use a real one, of the
    # operation's own kind.
    memo = write_off(INVOICE.with_all_kinds(102)[0], clerk, full_balance=True)
    numbers = {
        "invoices": invoice[0].number,
        "debitmemos": DEBIT_MEMO.with_all_kinds()[0].number,
        "credit-memos": memo.number,
    }
    for operation in operations:
        segment = operation.path.split("/")[3]
        for path_parameters in [None, {"number": numbers[segment]}]:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

            @EXAMPLES
            @given(case=strategy)
            def call_and_validate(case):
                case.call_and_validate(
                    base_url=live_server.url,
                    headers=bearer(clerk_token),
                    excluded_checks=[positive_data_acceptance],
                )

            call_and_validate()
