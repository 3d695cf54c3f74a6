"""JSON bodies read as I-JSON (RFC 7493): an object may not name a key twice.

Python's json module keeps the last of two equal keys, other parsers keep the first or
refuse, and a body that two parsers read differently can slip past a check made by one of
them. `UniqueKeysRoute` reads each JSON body once, before FastAPI does, and a repeated key
is a 422 at its location, like any invalid field.
"""

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

Location = tuple[str | int, ...]


class DuplicateKeyError(ValueError):
    """A JSON object names a key twice; `location` is the path to the key."""

    def __init__(self, location: Location) -> None:
        super().__init__(f"the key {location[-1]!r} appears twice in one object")
        self.location = location


class _Repeated(dict[str, Any]):
    """An object in which `key` appears more than once (the last value kept)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                self.key = key
                break
            seen.add(key)


def loads(body: bytes) -> Any:
    """The JSON value of body, refusing a repeated key with DuplicateKeyError."""
    repeated = False

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        value = dict(pairs)
        if len(value) == len(pairs):
            return value
        repeated = True
        return _Repeated(pairs)

    value = json.loads(body, object_pairs_hook=unique)
    if repeated:
        raise DuplicateKeyError(_repeated_key(value, ()) or ())
    return value


def _repeated_key(value: Any, location: Location) -> Location | None:
    """The location of the first repeated key inside value, depth first; None if none."""
    if isinstance(value, _Repeated):
        return (*location, value.key)
    children: list[tuple[str | int, Any]] = []
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    for name, child in children:
        if found := _repeated_key(child, (*location, name)):
            return found
    return None


class UniqueKeysRequest(Request):
    """A request whose JSON body is read by `loads`."""

    async def json(self) -> Any:
        if not hasattr(self, "_unique_json"):
            self._unique_json = loads(await self.body())
        return self._unique_json


def _is_json(content_type: str | None) -> bool:
    """Whether FastAPI reads a body of this type as JSON (no type at all included)."""
    media_type = (content_type or "application/json").partition(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class UniqueKeysRoute(APIRoute):
    """A route whose JSON body may not repeat a key: 422 naming where it does."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def unique_keys_handler(request: Request) -> Response:
            request = UniqueKeysRequest(request.scope, request.receive)
            if _is_json(request.headers.get("content-type")) and await request.body():
                try:
                    await request.json()
                except DuplicateKeyError as error:
                    problem = {"type": "duplicate_key", "loc": ("body", *error.location)}
                    raise RequestValidationError([{**problem, "msg": str(error)}]) from None
                except ValueError:
                    pass  # not JSON at all: FastAPI answers it as it does any malformed body
            return await handler(request)

        return unique_keys_handler
