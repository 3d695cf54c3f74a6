"""Pieces shared by request schemas: what OpenAPI should say beyond Pydantic's defaults."""

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        msg = "must fall between years 1 and 9999 once converted to UTC"
        raise ValueError(msg) from None


# Timezone-aware input, stored and returned in UTC (a time with no UTC equivalent is a 422).
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_in_utc)]


def decimal_schema(precision: int, scale: int, *, nullable: bool = False) -> dict[str, Any]:
    """The JSON schema of a decimal(precision, scale) input: a number in range with at most
    `scale` decimals, or the same as a string (Pydantic's default would allow any string),
    or null when the field is nullable."""
    whole = precision - scale
    bound = float("9" * whole + ("." + "9" * scale if scale else "")) if whole else 1 - 10**-scale
    fraction = r"(\.[0-9]{1," + str(scale) + "})?" if scale else ""
    number = {"type": "number", "minimum": -bound, "maximum": bound, "multipleOf": 10**-scale}
    digits = "[0-9]{1," + str(whole) + "}" if whole else "0"
    string = {"type": "string", "pattern": "^-?" + digits + fraction + "$"}
    return {"anyOf": [number, string, *([{"type": "null"}] if nullable else [])]}
