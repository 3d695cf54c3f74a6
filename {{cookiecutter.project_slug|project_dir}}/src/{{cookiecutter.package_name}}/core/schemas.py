"""Input types shared by request schemas and list filters.

Dates, datetimes, UUIDs and decimals arrive as JSON strings in their documented format, in
bodies and query strings alike. Pydantic's lax mode would also read numbers (`0` as
1970-01-01, `1.2e-104` as a date, `0.1` as an inexact decimal): these types refuse them.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# Years 2 to 9998: any offset then stays within Python's datetime, and asyncpg, which
# stores the first and last instants Python has as -infinity and infinity, is never asked to.
YEAR = "(000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
DATETIME = (
    "^" + YEAR + r"-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
UUID_TEXT = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


@dataclass(frozen=True)
class Text:
    """Accept a value only as a string matching `pattern`; OpenAPI states the same."""

    pattern: str
    format: str | None = None
    example: str = ""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        text: JsonSchemaValue = {"type": "string", "pattern": self.pattern}
        return text | ({"format": self.format} if self.format else {})

    def check(self, value: object) -> object:
        """The value itself when it is text in the documented format."""
        if isinstance(value, str) and re.fullmatch(self.pattern, value):
            return value
        raise PydanticCustomError(
            "text_format",
            "must be a string like {example}",
            {"example": self.example, "pattern": self.pattern},
        )


def _json_number(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    raise PydanticCustomError("json_number", "must be a JSON number")


# Body numbers and booleans: the JSON type itself, not `true` for 1 nor "1" for a number.
# Constraints sit inside the type, so OpenAPI states them wherever the type is used.
_NUMBER = BeforeValidator(_json_number)
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1), _NUMBER]
# Integers every JSON client reads exactly (IEEE doubles): within +-(2**53 - 1).
JsonSafeInt = Annotated[int, Field(ge=-(2**53 - 1), le=2**53 - 1), _NUMBER]
JsonFloat = Annotated[float, Field(allow_inf_nan=False), _NUMBER]
JsonBool = Annotated[bool, Strict()]


def _in_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


IsoDate = Annotated[date, Text(DATE, "date", "2024-01-31")]
# Timezone-aware input, stored and returned in UTC (a time with no UTC equivalent is a 422).
UtcDatetime = Annotated[
    AwareDatetime, Text(DATETIME, "date-time", "2024-01-31T09:30:00Z"), AfterValidator(_in_utc)
]
UuidText = Annotated[UUID, Text(UUID_TEXT, "uuid", "0b7e1c3a-9d5f-4e2b-8a61-3c4d5e6f7a8b")]


def digits(precision: int, scale: int) -> Text:
    """A decimal(precision, scale) input: a string of at most `precision - scale` whole
    digits and `scale` decimals, exact where a JSON number would not be."""
    whole = precision - scale
    digits = "[0-9]{1," + str(whole) + "}" if whole else "0"
    fraction = r"(\.[0-9]{1," + str(scale) + "})?" if scale else ""
    example = ("9" * min(whole, 3) or "0") + ("." + "5" * scale if scale else "")
    return Text("^-?" + digits + fraction + "$", None, example)
