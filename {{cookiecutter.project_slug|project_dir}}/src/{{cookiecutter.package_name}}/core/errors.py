"""RFC 9457 problem+json responses for every error the service can answer with."""

import logging
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from {{ cookiecutter.package_name }}.core import {{ cookiecutter.database }}
from {{ cookiecutter.package_name }}.core.metrics import DATABASE_ERRORS
from {{ cookiecutter.package_name }}.core.models import Base
from {{ cookiecutter.package_name }}.core.references import (
    ChildrenRefused,
    MissingParents,
    ParentsRefused,
    StillReferenced,
)
from {{ cookiecutter.package_name }}.core.rows import RepeatedValues, is_claim
from {{ cookiecutter.package_name }}.core.rules import RuleBroken

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = "5"
BODYLESS_STATUSES = frozenset({204, 304})
HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE")
UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE
SQLITE_UNIQUE = re.compile(r"^UNIQUE constraint failed: (?P<columns>[\w.]+(?:, [\w.]+)*)$")
logger = logging.getLogger(__name__)


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[dict[str, Any]] | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting problem+json answers."""
    return {
        status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": _title(status)}
        for status in statuses
    }


def _title(status: int) -> str:
    return HTTPStatus(status).phrase


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Build a problem+json response."""
    body: dict[str, Any] = {"type": "about:blank", "title": _title(status), "status": status}
    if detail is not None:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


async def http_error(request: Request, exc: Exception) -> Response:
    """HTTPException (404, 412, 413 ...) as problem+json; 204 and 304 with no body at all."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code in BODYLESS_STATUSES:
        return Response(status_code=exc.status_code, headers=headers)
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return problem(exc.status_code, str(exc.detail), headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """The methods some route serves at the requested path, for Allow (RFC 9110 §10.2.1).

    The router's own 405 names the methods of the first route matching the path only, and
    FastAPI makes one route per method: so ask every route about every method.
    """
    return [
        method
        for method in HTTP_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.routes
        )
    ]


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 naming every invalid location (for bulk bodies, the item index)."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
        for error in exc.errors()
    ]
    return problem(422, "The request is invalid.", errors=errors)


async def integrity_error(request: Request, exc: Exception) -> JSONResponse:
    """409 when a write breaks a unique (or other) constraint, naming the taken field the
    way a 422 names an invalid one when the database says which column it is."""
    assert isinstance(exc, IntegrityError)
    detail = "The request conflicts with existing data (a unique value is taken)."
    columns = unique_violation_columns(exc)
    if not columns:
        return problem(409, detail)
    errors = [
        {"loc": ["body", column], "msg": "Value already taken", "type": "unique"}
        for column in columns
    ]
    return problem(409, detail, errors=errors)


async def rule_broken(request: Request, exc: Exception) -> JSONResponse:
    """A business rule's refusal (an entity's rules.py), at the field it names."""
    assert isinstance(exc, RuleBroken)
    if exc.field is None:
        return problem(exc.status, exc.detail)
    loc = ["body", exc.field] if exc.index is None else ["body", exc.index, exc.field]
    return problem(exc.status, exc.detail, errors=[{"loc": loc, "msg": exc.detail, "type": "rule"}])


async def repeated_values(request: Request, exc: Exception) -> JSONResponse:
    """409 naming each item of a bulk write that repeats an earlier item's unique value, at
    its index, the way a 422 names an invalid item."""
    assert isinstance(exc, RepeatedValues)
    detail = "Items of the request share a value that must be unique."
    errors = [
        {"loc": ["body", index, column], "msg": "Value repeats an earlier item's", "type": "unique"}
        for index, column in exc.locations
    ]
    return problem(409, detail, errors=errors)


def unique_violation_columns(exc: IntegrityError) -> list[str]:
    """The columns of the unique constraint a write broke, by their database names (which
    are the JSON names); [] for another violation or when the driver does not say.

    asyncpg names the constraint or index, found in the metadata; SQLite names the columns
    in its message: "UNIQUE constraint failed: book.title".
    """
    if exc.orig is None:
        return []
    error = exc.driver_exception
    constraint = getattr(error, "constraint_name", None)
    if getattr(error, "sqlstate", None) == UNIQUE_VIOLATION and constraint:
        return constraint_columns(constraint)
    if found := SQLITE_UNIQUE.match(str(error)):
        named = [column.partition(".") for column in found["columns"].split(", ")]
        return [column for table, _, column in named if not _is_claim(table, column)]
    return []


def _is_claim(table: str, column: str) -> bool:
    """Whether table.column is a claim column: the caller's own, never a field they sent
    (a value unique per claim value names only the field)."""
    known = Base.metadata.tables.get(table)
    return known is not None and column in known.c and is_claim(known.c[column])


def constraint_columns(name: str) -> list[str]:
    """The column names of the unique constraint or index called name; [] if none is."""
    for table in Base.metadata.tables.values():
        for unique in (*table.constraints, *table.indexes):
            if isinstance(unique, UniqueConstraint | Index) and unique.name == name:
                return [column.name for column in unique.columns if not is_claim(column)]
    return []


async def missing_parents(request: Request, exc: Exception) -> JSONResponse:
    """422 naming each reference whose parent does not exist, like any invalid field."""
    assert isinstance(exc, MissingParents)
    errors: list[dict[str, Any]] = [
        {"loc": location, "msg": f"No {target} has this id", "type": "missing_parent"}
        for location, target in zip(exc.locations, exc.targets, strict=False)
    ]
    for error, sent in zip(errors, exc.inputs or [], strict=False):
        error["input"] = str(sent)
    return problem(422, "A referenced row does not exist.", errors=errors or None)


async def still_referenced(request: Request, exc: Exception) -> JSONResponse:
    """409 naming the tables whose rows still reference the row (delete rule restrict)."""
    assert isinstance(exc, StillReferenced)
    tables = ", ".join(exc.tables) or "another table"
    detail = f"Rows of {tables} still reference it: delete or change them first."
    return problem(409, detail)


async def refused_reference(request: Request, exc: Exception) -> JSONResponse:
    """A write the database refused for a foreign key, once its transaction has rolled
    back: look up what it was about and answer as for MissingParents or StillReferenced."""
    assert isinstance(exc, ParentsRefused | ChildrenRefused)
    try:
        async with request.app.state.database.autocommit() as connection:
            resolved = await exc.resolve(connection)
    except Exception as error:  # the database failed while this handler asked it
        return await database_error(request, error)
    if isinstance(resolved, MissingParents):
        return await missing_parents(request, resolved)
    return await still_referenced(request, resolved)


async def data_error(request: Request, exc: Exception) -> JSONResponse:
    """422 for a value the database refuses (out of range for its column)."""
    return problem(422, "A value is out of range for its column.")


# What a client reads for each kind of database fault; every one comes with Retry-After.
FAULT_DETAILS = {
    "unavailable": "The database is unavailable; retry shortly.",
    "locked": "The database is busy with a conflicting write; retry shortly.",
    "timeout": "The database did not answer in time; retry shortly.",
}


def database_fault(exc: BaseException) -> tuple[str, BaseException] | None:
    """(kind, the driver's own error) when the database could not serve a sound request:
    down, refusing connections, read-only, locked, out of time; None for any other error.

    SQLAlchemy wraps the driver's error (`orig`), which may wrap the cause again: the
    first link of the chain the driver module recognises decides.
    """
    if isinstance(exc, PoolTimeoutError):
        return "timeout", exc
    error: BaseException | None = exc
    for _ in range(8):  # the chain is short; a cycle must not hang the handler
        if error is None:
            break
        if kind := {{ cookiecutter.database }}.driver_fault(error):
            return kind, error
        cause = error.orig if isinstance(error, DBAPIError) else None
        error = cause or error.__cause__ or error.__context__
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "unavailable", exc.orig or exc
    return None


def describe(error: BaseException) -> str:
    """The error's class and the first line of its message, for the log: the driver's own
    words ("database is locked"), never SQLAlchemy's, which would show the parameters."""
    message = str(error).strip().splitlines()
    return f"{type(error).__name__}: {message[0]}" if message else type(error).__name__


async def database_error(request: Request, exc: Exception) -> JSONResponse:
    """503 with Retry-After while the database cannot serve a sound request (it is down,
    refusing connections, read-only, locked, or the pool has no connection free in time);
    500 for any other error the driver raises."""
    fault = database_fault(exc)
    if fault is None:
        return await unexpected_error(request, exc)
    kind, error = fault
    DATABASE_ERRORS.labels(kind).inc()
    logger.warning("database %s: %s", kind, describe(error))
    headers = {"Retry-After": RETRY_AFTER_SECONDS}
    return problem(503, FAULT_DETAILS[kind], headers=headers)


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """500 without internals; the traceback goes to the log with the request id."""
    request_id = getattr(request.state, "request_id", None)
    logger.error("unexpected error", exc_info=exc, extra={"request_id": request_id})
    headers = {"X-Request-ID": request_id} if request_id else None
    return problem(500, "An unexpected error occurred.", headers=headers)


def add_error_handlers(app: FastAPI) -> None:
    """Register the problem+json handlers."""
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(MissingParents, missing_parents)
    app.add_exception_handler(StillReferenced, still_referenced)
    app.add_exception_handler(ParentsRefused, refused_reference)
    app.add_exception_handler(ChildrenRefused, refused_reference)
    app.add_exception_handler(RepeatedValues, repeated_values)
    app.add_exception_handler(RuleBroken, rule_broken)
    app.add_exception_handler(DataError, data_error)
    for fault in (DBAPIError, PoolTimeoutError, OSError, TimeoutError, *{{ cookiecutter.database }}.DRIVER_ERRORS):
        app.add_exception_handler(fault, database_error)
    app.add_exception_handler(Exception, unexpected_error)
