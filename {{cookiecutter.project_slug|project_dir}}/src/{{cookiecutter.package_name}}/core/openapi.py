"""The OpenAPI schema as clients read it: links between operations, and problem+json.

An operation that takes an id another operation returns names that operation in its
`x-links-from` extension: `{"create_author": {"requestBody": {"author_id": ...}}}`.
`add_links` moves each one onto the source's success response, where OpenAPI keeps
links, and links every create to the operations on the item it made, so clients and
stateful fuzzing can create a parent first, then its children, then read, change and
delete each of them.
"""

import re
from collections.abc import Mapping
from typing import Any

from fastapi.routing import APIRoute

LINKS_FROM = "x-links-from"
PROBLEM_JSON = "application/problem+json"
PROBLEM_SCHEMA = {"$ref": "#/components/schemas/Problem"}
PROBLEM = {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}
CHALLENGE = {"WWW-Authenticate": {"description": "RFC 6750", "schema": {"type": "string"}}}
# What an operation with a security requirement may also answer, before its own checks.
SECURITY_RESPONSES = {
    "401": {"description": "No valid bearer token", "headers": CHALLENGE, "content": PROBLEM},
    "403": {"description": "The token lacks the scope", "headers": CHALLENGE, "content": PROBLEM},
    "503": {"description": "The identity provider's keys are unavailable", "content": PROBLEM},
}
CREATED_ID = "$response.body#/id"
ITEM_PARAMETER = re.compile(r"/\{(?P<name>\w+)\}")  # the last segment of an item's path


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
    """The schema with every `x-links-from` turned into links of the source operations,
    and each create linked to the operations on the item it created."""
    paths: dict[str, Any] = schema.get("paths", {})
    operations = {
        operation["operationId"]: operation
        for item in paths.values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    for target, operation in operations.items():
        for source, link in operation.pop(LINKS_FROM, {}).items():
            responses = operations[source]["responses"]
            success = next(code for code in ("201", "200") if code in responses)
            links = responses[success].setdefault("links", {})
            links[target] = {"operationId": target, **link}
    for path, item in paths.items():
        create = item.get("post", {}).get("responses", {}).get("201")
        if create is None:
            continue
        for item_path, operations_on_item in paths.items():
            found = ITEM_PARAMETER.fullmatch(item_path.removeprefix(path))
            if not item_path.startswith(path) or found is None:
                continue
            parameters = {f"path.{found['name']}": CREATED_ID}
            for operation in operations_on_item.values():
                if not isinstance(operation, dict):
                    continue
                target = operation["operationId"]
                link = {"operationId": target, "parameters": parameters}
                create.setdefault("links", {})[target] = link
    return schema


def problems_as_sent(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with each error's Problem under application/problem+json, the media type
    it is sent with: FastAPI puts a response's model under application/json, which typed
    clients would read, while the problem+json entry they match stays an empty `{}`."""
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                if content.get("application/json", {}).get("schema") == PROBLEM_SCHEMA:
                    del content["application/json"]
                    content[PROBLEM_JSON] = {"schema": PROBLEM_SCHEMA}
    return schema


def add_security_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with 401, 403 and 503 documented on every operation that needs a token."""
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("security"):
                for status, response in SECURITY_RESPONSES.items():
                    operation["responses"].setdefault(status, response)
    return schema
