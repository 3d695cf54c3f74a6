"""OpenAPI links between operations, declared where they are used.

An operation that takes an id another operation returns names that operation in its
`x-links-from` extension: `{"create_author": {"requestBody": {"author_id": ...}}}`.
`add_links` moves each one onto the source's success response, where OpenAPI keeps
links, so clients and stateful fuzzing can create a parent first and then its children.
"""

from collections.abc import Mapping
from typing import Any

from fastapi.routing import APIRoute

LINKS_FROM = "x-links-from"
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
CHALLENGE = {"WWW-Authenticate": {"description": "RFC 6750", "schema": {"type": "string"}}}
# What an operation with a security requirement may also answer, before its own checks.
SECURITY_RESPONSES = {
    "401": {"description": "No valid bearer token", "headers": CHALLENGE, "content": PROBLEM},
    "403": {"description": "The token lacks the scope", "headers": CHALLENGE, "content": PROBLEM},
    "503": {"description": "The identity provider's keys are unavailable", "content": PROBLEM},
}
CREATED_ID = "$response.body#/id"


def operation_id(route: APIRoute) -> str:
    """An operation's id is its route's name (create_book), which links refer to."""
    return route.name


def body_links(parents: Mapping[str, str]) -> dict[str, Any]:
    """openapi_extra of a create: each parent's create fills one reference field."""
    return {
        LINKS_FROM: {
            source: {"requestBody": {field: CREATED_ID}} for source, field in parents.items()
        }
    }


def path_link(source: str, parameter: str) -> dict[str, Any]:
    """openapi_extra of a nested list: the parent's create fills its path parameter."""
    return {LINKS_FROM: {source: {"parameters": {f"path.{parameter}": CREATED_ID}}}}


def add_links(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with every `x-links-from` turned into links of the source operations."""
    operations = {
        operation["operationId"]: operation
        for item in schema.get("paths", {}).values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    for target, operation in operations.items():
        for source, link in operation.pop(LINKS_FROM, {}).items():
            responses = operations[source]["responses"]
            success = next(code for code in ("201", "200") if code in responses)
            links = responses[success].setdefault("links", {})
            links[target] = {"operationId": target, **link}
    return schema


def add_security_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with 401, 403 and 503 documented on every operation that needs a token."""
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("security"):
                for status, response in SECURITY_RESPONSES.items():
                    operation["responses"].setdefault(status, response)
    return schema
