"""The OpenAPI schema as typed clients and stateful fuzzers read it, checked over every
operation the app serves, so a new route is held to the same rules."""

from typing import Any

from fastapi import FastAPI

PROBLEM_JSON = "application/problem+json"
PROBLEM_SCHEMA = {"$ref": "#/components/schemas/Problem"}


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) for every operation in the schema."""
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def created_schema(operation: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of the operation's 201 body; {} if it answers no 201."""
    created = operation["responses"].get("201", {}).get("content", {})
    return dict(created.get("application/json", {}).get("schema", {}))


def test_every_error_declares_problem_json_with_its_schema(app: FastAPI) -> None:
    errors = [
        (f"{method.upper()} {path} {status}", response.get("content", {}))
        for path, method, operation in operations(app.openapi())
        for status, response in operation["responses"].items()
        if status[0] in "45"
    ]
    assert errors
    for name, content in errors:
        # What is declared is what is sent: a client typed from it reads status and detail.
        assert content == {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}, name


def test_every_create_links_to_each_operation_on_its_item(app: FastAPI) -> None:
    schema = app.openapi()
    creates = [  # a bulk create answers a list, a create the one item it made
        (path, operation)
        for path, method, operation in operations(schema)
        if method == "post" and "$ref" in created_schema(operation)
    ]
    assert creates
    for path, create in creates:
        links = create["responses"]["201"].get("links", {})
        items = [
            (item_path, operation)
            for item_path, _, operation in operations(schema)
            if item_path.startswith(path + "/{") and item_path.count("/") == path.count("/") + 1
        ]
        assert items, path
        for item_path, operation in items:
            parameter = item_path.rsplit("{", 1)[1].rstrip("}")
            link = links.get(operation["operationId"])
            assert link == {
                "operationId": operation["operationId"],
                "parameters": {f"path.{parameter}": "$response.body#/id"},
            }, (path, item_path)
