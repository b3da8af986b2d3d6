"""Small helpers shared by the API tests."""


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def write_off_path(number: str) -> str:
    return f"/api/v1/invoices/{number}/write-off"


def reasons(response) -> list[tuple[str, str | None]]:
    """The refusal's (code, field) pairs."""
    body = response.json()
    assert body["success"] is False
    return [(reason["code"], reason["field"]) for reason in body["reasons"]]
