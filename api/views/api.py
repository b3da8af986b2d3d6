"""The write-off API under /api/v1/ (SPEC C8, D1, D2): Zuora's paths and JSON, served by the
selectors and the write-off and reversal services the screens use.

Invoices and debit memos are served by the same views, registered once per kind
(`api.kinds`): only their paths, the item id of a write-off and a few response names differ.
django-ninja builds the OpenAPI document from the schemas below and serves it with Swagger UI
from its own packaged static files (no CDN). The write-off and reversal bodies are read by the
views themselves, so their schemas are added to the document by `WriteOffApi`.
"""

import re
from functools import partial

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpResponse
from ninja import NinjaAPI, Status, Swagger
from ninja.errors import AuthenticationError
from ninja.openapi.schema import REF_TEMPLATE

from api.auth import BEARER_CHALLENGE, BearerToken
from api.errors import ApiError, Code, Reason
from api.idempotency import idempotent
from api.kinds import API_KINDS, ApiKind, api_kind
from api.reversal import reverse
from api.schemas import (
    CreditMemoOut,
    RefusalOut,
    ReverseCreditMemoOut,
    ReverseCreditMemoRequest,
    WriteOffOut,
    credit_memo_body,
    document_body,
    reverse_body,
    write_off_body,
)
from api.writeoff import write_off
from billing import selectors as billing_selectors
from billing.models import DOCUMENT_NUMBER_PATTERN, VIEW_DOCUMENTS
from writeoffs import selectors as writeoff_selectors
from writeoffs.keys import MAX_KEY_LENGTH, LedgerKey
from writeoffs.models import REVERSE_PERMISSION, WRITE_OFF_PERMISSION

#: The request bodies the views read themselves, for the document.
REQUEST_MODELS = (*(kind.request for kind in API_KINDS), ReverseCreditMemoRequest)


class WriteOffApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        components = schema["components"]["schemas"]
        for model in REQUEST_MODELS:
            body = model.model_json_schema(ref_template=REF_TEMPLATE)
            components.update(body.pop("$defs", {}))
            components[model.__name__] = body
        return schema


api = WriteOffApi(
    title="Write-off API",
    version="1",
    description="Write off invoices and debit memos as Zuora's "
    "`PUT /v1/invoices/{invoiceKey}/write-off` and `PUT /v1/debitmemos/{debitMemoKey}/write-off` "
    "do, and reverse a write-off as `PUT /v1/credit-memos/{creditMemoKey}/reverse` does. "
    "Every request needs `Authorization: Bearer <token>` "
    "(`python manage.py create_api_token`).",
    urls_namespace="api-v1",
    # Swagger UI would otherwise call out to validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
    # The browsable docs and the document are pages of the application: sign in first (C4).
    docs_decorator=login_required,
)

view_documents = BearerToken(VIEW_DOCUMENTS)
write_off_documents = BearerToken(WRITE_OFF_PERMISSION)
reverse_write_offs = BearerToken(REVERSE_PERMISSION)

DOCUMENT_NUMBER = re.compile(DOCUMENT_NUMBER_PATTERN)
IDEMPOTENCY_KEY = re.compile(rf"[\x20-\x7e]{{1,{MAX_KEY_LENGTH}}}")
READ_REFUSALS = frozenset({401, 403, 404})
WRITE_OFF_REFUSALS = frozenset({400, 401, 403, 404, 409, 422})
WRITE_OFF = {
    "auth": write_off_documents,
    "response": {200: WriteOffOut, WRITE_OFF_REFUSALS: RefusalOut},
}
CREDIT_MEMO = {"auth": view_documents, "response": {200: CreditMemoOut, READ_REFUSALS: RefusalOut}}
REVERSE = {
    "auth": reverse_write_offs,
    "response": {200: ReverseCreditMemoOut, WRITE_OFF_REFUSALS: RefusalOut},
}


def _body_and_key(model: type) -> dict:
    """The OpenAPI request body (read by the view as `model`) and the Idempotency-Key header."""
    return {
        "requestBody": {
            "required": False,
            "content": {
                "application/json": {"schema": {"$ref": REF_TEMPLATE.format(model=model.__name__)}}
            },
        },
        "parameters": [
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": False,
                "schema": {"type": "string", "pattern": f"^{IDEMPOTENCY_KEY.pattern}$"},
                "description": "A retry with the same key and body gets the first response back.",
            }
        ],
    }


# Each path is also routed with a trailing slash (out of the document): APPEND_SLASH cannot
# redirect a PUT, and a client that adds the slash should not get an HTML 404.
def _document_routes(kind: ApiKind) -> None:
    """`GET /<kind>/{number}` and `PUT /<kind>/{number}/write-off`."""
    path = f"/{kind.segment}/{{number}}"
    # The response names the document's number and date as the kind does (its aliases).
    read = {
        "auth": view_documents,
        "response": {200: kind.response, READ_REFUSALS: RefusalOut},
        "by_alias": True,
    }

    @api.get(
        path,
        operation_id=f"get{kind.name}",
        summary=f"Retrieve {kind.called} with its lines",
        tags=[kind.kind.plural],
        **read,
    )
    @api.get(f"{path}/", include_in_schema=False, **read)
    def document_detail(request, number: str):
        document = _document(kind, number)
        lines = [display.line for display in billing_selectors.document_lines(document)]
        return document_body(document, lines)

    for alias in kind.read_aliases:
        for spelling in (f"/{alias}/{{number}}", f"/{alias}/{{number}}/"):
            api.get(spelling, include_in_schema=False, **read)(document_detail)

    @api.put(
        f"{path}/write-off",
        operation_id=f"writeOff{kind.name}",
        summary=f"Write off {kind.called}",
        tags=[kind.kind.plural],
        description="No `items`: every line's whole balance. No `memoDate`: today (the "
        f"{kind.noun} date if that is later). No `reasonCode`: the default reason. Amounts are "
        "plain decimals, as JSON numbers or strings.",
        openapi_extra=_body_and_key(kind.request),
        **WRITE_OFF,
    )
    @api.put(f"{path}/write-off/", include_in_schema=False, **WRITE_OFF)
    def write_off_document(request, number: str, response: HttpResponse):
        return _keyed(request, response, partial(_write_off, request, kind, number))


for kind in API_KINDS:
    _document_routes(kind)


@api.get(
    "/credit-memos/{number}",
    operation_id="getCreditMemo",
    summary="Retrieve a credit memo with its items",
    tags=["Credit memos"],
    **CREDIT_MEMO,
)
@api.get("/credit-memos/{number}/", include_in_schema=False, **CREDIT_MEMO)
def credit_memo_detail(request, number: str):
    memo = _found(writeoff_selectors.credit_memo_get, number, "credit memo")
    items = writeoff_selectors.credit_memo_items(memo)
    return credit_memo_body(memo, items, applied_to=api_kind(memo.document).reference)


@api.put(
    "/credit-memos/{number}/reverse",
    operation_id="reverseCreditMemo",
    summary="Reverse a write-off's credit memo",
    tags=["Credit memos"],
    description="Unapplies the credit memo from its invoice or debit memo (every line's balance "
    "goes back up by exactly the memo's amounts) and creates a debit memo that reverses it, "
    "settled by it, in one step. No `memoDate`: today (the memo date if that is later). "
    "`applyEffectiveDate` may only name the reversal date. No `reasonCode`: the default reason. "
    "Needs the permission writeoffs.reverse_write_off.",
    openapi_extra=_body_and_key(ReverseCreditMemoRequest),
    **REVERSE,
)
@api.put("/credit-memos/{number}/reverse/", include_in_schema=False, **REVERSE)
def reverse_credit_memo(request, number: str, response: HttpResponse):
    return _keyed(request, response, partial(_reverse, request, number))


def _keyed(request, response: HttpResponse, run) -> Status:
    """`run(ledger_key)`'s `(status, body)`, once per `Idempotency-Key` when one is sent."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return Status(*run(None))
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiError(
            400,
            Reason(
                Code.INVALID_IDEMPOTENCY_KEY,
                f"An Idempotency-Key has 1 to {MAX_KEY_LENGTH} printable ASCII characters, "
                "e.g. a UUID.",
                "Idempotency-Key",
            ),
        )
    status, body, replayed = idempotent(request, key, run)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(status, body)


def _reverse(request, number: str, key: LedgerKey | None) -> tuple[int, dict]:
    try:
        memo = _found(writeoff_selectors.credit_memo_get, number, "credit memo")
        debit_memo = reverse(memo=memo, user=request.auth, body=request.body, key=key)
    except ApiError as error:
        return error.status, error.body()
    return 200, reverse_body(memo, debit_memo)


def _write_off(request, kind: ApiKind, number: str, key: LedgerKey | None) -> tuple[int, dict]:
    try:
        document = _document(kind, number)
        memo = write_off(
            document=document,
            user=request.auth,
            body=request.body,
            request_model=kind.request,
            key=key,
        )
    except ApiError as error:
        return error.status, error.body()
    return 200, write_off_body(memo)


def _document(kind: ApiKind, number: str):
    """The document of that kind and number; 404 for a document of the other kind too."""
    return _found(partial(billing_selectors.document_get, kind.kind), number, kind.noun)


def _found(get, number: str, noun: str):
    not_found = ApiError(404, Reason(Code.NOT_FOUND, f"There is no {noun} {number[:60]}."))
    # Every number matches the pattern; anything else (a NUL, which PostgreSQL would refuse
    # to even look for, included) is not found without a query.
    if not DOCUMENT_NUMBER.fullmatch(number):
        raise not_found
    try:
        return get(number)
    except Http404:
        raise not_found from None


@api.exception_handler(ApiError)
def _refused(request, error: ApiError):
    response = api.create_response(request, error.body(), status=error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = BEARER_CHALLENGE
    return response


@api.exception_handler(AuthenticationError)
def _not_authenticated(request, error):
    # ninja raises this when the Authorization header is missing or not a bearer token.
    reason = Reason(Code.NOT_AUTHENTICATED, "Send the header Authorization: Bearer <token>.")
    return _refused(request, ApiError(401, reason))


@api.exception_handler(PermissionDenied)
def _forbidden(request, error):
    return _refused(request, ApiError(403, Reason(Code.PERMISSION_DENIED, str(error))))


@api.exception_handler(RequestDataTooBig)
def _too_big(request, error):
    reason = Reason(Code.BODY_TOO_LARGE, "The body is larger than this server accepts.")
    return _refused(request, ApiError(400, reason))
