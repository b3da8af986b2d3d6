"""Recording the audit trail: the only code that writes `AuditEntry` rows, and only inserts.

Each function is called where the change it records is made, inside that change's transaction,
so that a rolled-back change leaves no entry. A refused write-off or reversal is recorded by
`refusals_recorded` after the refusal has rolled its transaction back, in a transaction of its
own. The channel, the address and (unless given) the user come from `audit.context`.
"""

import functools
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from audit.context import current
from audit.models import Action, AuditEntry
from writeoffs.errors import WriteOffErrorCode


def audit_record(action: str, *, user=None, **fields) -> AuditEntry:
    """Insert one entry of `action`: by `user` (else the context's), through the context's
    channel and from its address; `fields` are the entry's other fields."""
    return AuditEntry.objects.create(**_entry(action, user=user, **fields))


audit_record.alters_data = True


def _entry(action: str, *, user=None, **fields) -> dict:
    context = current()
    user = user if user is not None else context.actor
    return {
        "action": action,
        "channel": context.channel,
        "address": context.address,
        "user": user,
        "username": user.get_username() if user is not None else "",
        **fields,
    }


def write_off_recorded(*, memo, check) -> None:
    """A write-off: the memo, its total and every line's amount."""
    document = memo.document
    audit_record(
        Action.WRITE_OFF,
        user=memo.created_by,
        document=document,
        credit_memo=memo,
        amount=memo.total,
        currency=document.currency,
        data={
            "memo_date": _plain(memo.memo_date),
            "reason_code": str(memo.reason_code),
            "revenue_impacting": memo.revenue_impacting,
            "comment": memo.comment,
            "lines": [
                {"line": line.pk, "description": line.description, "amount": str(amount)}
                for line, amount in check.amounts
            ],
        },
    )


def reversal_recorded(*, memo, debit_memo) -> None:
    """A reversal: the memo it reversed and the debit memo that did it."""
    audit_record(
        Action.REVERSAL,
        user=memo.reversed_by,
        document_id=memo.document_id,
        credit_memo=memo,
        debit_memo=debit_memo,
        amount=memo.total,
        currency=debit_memo.currency,
        data={
            "reversal_date": _plain(memo.reversal_date),
            "reason_code": str(memo.reversal_reason_code),
            "comment": memo.reversal_comment,
        },
    )


def _write_off_refused(error, *, document, user, proposal, **_) -> None:
    audit_record(
        Action.WRITE_OFF_REFUSED,
        user=user,
        document=document,
        amount=error.check.total,
        currency=document.currency,
        data={
            **_refusal(error.check),
            "memo_date": _plain(proposal.memo_date),
            "reason_code": str(proposal.reason_code or ""),
            "revenue_impacting": proposal.revenue_impacting,
            "full_balance": proposal.full_balance,
            "lines": [
                {"line": line.line_id, "amount": _plain(line.amount)} for line in proposal.lines
            ],
        },
    )


def _reversal_refused(error, *, memo, user, proposal, **_) -> None:
    audit_record(
        Action.REVERSAL_REFUSED,
        user=user,
        document_id=memo.document_id,
        credit_memo=memo,
        amount=memo.total,
        currency=memo.document.currency,
        data={
            **_refusal(error.check),
            "reversal_date": _plain(proposal.reversal_date),
            "reason_code": str(proposal.reason_code or ""),
        },
    )


def _refusal(check) -> dict:
    return {
        "codes": sorted({problem.code.value for problem in check.problems}),
        "problems": [{"field": p.field, "code": p.code.value} for p in check.problems],
    }


_REFUSALS = {"document_write_off": _write_off_refused, "credit_memo_reverse": _reversal_refused}


def refusals_recorded(service: Callable) -> Callable:
    """Decorate the write-off or the reversal service: a refusal (`WriteOffRefused`, or
    `PermissionDenied` as `permission_denied`) is recorded, with the codes of what was refused,
    once the service's transaction has rolled back, and raised on."""
    record = _REFUSALS[service.__name__]

    @functools.wraps(service)
    def recording(**kwargs):
        # Here, not at the top: the services module imports this one.
        from writeoffs.checks import WriteOffCheck
        from writeoffs.errors import Problem
        from writeoffs.services import WriteOffRefused

        try:
            return service(**kwargs)
        except WriteOffRefused as refused:
            with transaction.atomic():
                record(refused, **kwargs)
            raise
        except PermissionDenied as denied:
            # A channel that reaches the service without the permission (a bulk job whose
            # clerk lost it, a command) is refused here: on the record as any refusal.
            problem = Problem("user", WriteOffErrorCode.PERMISSION_DENIED, str(denied))
            with transaction.atomic():
                record(WriteOffRefused(WriteOffCheck((problem,))), **kwargs)
            raise

    return recording


#: The write paths of the pages and the API (by view name) whose 403 is an attempt to record.
_ATTEMPTS = {
    "writeoffs:write-off": Action.WRITE_OFF_REFUSED,
    "api-v1:write_off_document": Action.WRITE_OFF_REFUSED,
    "writeoffs:credit-memo-reverse": Action.REVERSAL_REFUSED,
    "api-v1:reverse_credit_memo": Action.REVERSAL_REFUSED,
}


def denied_attempt_recorded(request, *, user) -> None:
    """A signed-in user without the permission tried to write off or reverse (a save, not the
    opening of a dialog): the pages and the API answer 403 before the service runs, so the
    attempt is recorded here, naming the path it was made at."""
    match = request.resolver_match
    action = _ATTEMPTS.get(match.view_name) if match is not None else None
    if action is None or request.method not in ("POST", "PUT"):
        return
    if user is None or not user.is_authenticated:
        return
    audit_record(
        action,
        user=user,
        target=request.path[:255],
        data={"codes": [WriteOffErrorCode.PERMISSION_DENIED.value]},
    )


def api_token_recorded(api_token, action: str) -> None:
    """An API token made or revoked; never the token itself."""
    audit_record(
        action,
        target=f"API token {api_token}",
        data={"token": api_token.prefix, "name": api_token.name, "of_user": str(api_token.user)},
    )


def sign_in_recorded(action: str, *, user=None, username: str = "") -> None:
    audit_record(action, user=user, **({"username": username[:150]} if user is None else {}))


# The values of a changed reason code, accounting code or the write-off settings.


def values(instance: models.Model) -> dict:
    return {
        field.name: _plain(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if not field.primary_key
    }


def change_recorded(instance: models.Model, *, before: dict | None, after: dict | None) -> None:
    """A row created (`before` None), changed or deleted (`after` None); a save that changed
    nothing is not recorded."""
    entry = _change(instance, before=before, after=after)
    if entry is not None:
        AuditEntry.objects.create(**entry)


def default_moved_recorded(*, previous: list, default) -> None:
    """The default reason code moved from `previous` (a list of at most one) to `default`:
    by two UPDATEs that send no signal, so recorded here."""
    for reason_code in previous:
        if reason_code.pk != default.pk:
            change_recorded(reason_code, before={"is_default": True}, after={"is_default": False})
    if all(reason_code.pk != default.pk for reason_code in previous):
        change_recorded(default, before={"is_default": False}, after={"is_default": True})


def created_recorded(instances: Iterable[models.Model]) -> None:
    """Rows made in bulk (the import's codes), one entry each, in one statement."""
    entries = [_change(instance, before=None, after=values(instance)) for instance in instances]
    AuditEntry.objects.bulk_create(AuditEntry(**entry) for entry in entries)


def _change(instance: models.Model, *, before: dict | None, after: dict | None) -> dict | None:
    if before is None:
        action, data = Action.CREATED, {"after": after}
    elif after is None:
        action, data = Action.DELETED, {"before": before}
    else:
        changed = [name for name in after if before.get(name) != after[name]]
        if not changed:
            return None
        action = Action.CHANGED
        data = {
            "before": {name: before.get(name) for name in changed},
            "after": {name: after[name] for name in changed},
        }
    target = f"{instance._meta.verbose_name.capitalize()} {instance}"
    return _entry(action, target=target[:255], data=data)


def _plain(value):
    """`value` as JSON can hold it: amounts and dates as text."""
    if isinstance(value, Decimal | date | datetime):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    return value
