"""Who is calling, and the scope each operation needs: `<plural>:read` or `<plural>:write`.
{%- if cookiecutter.auth == "oidc" %}

The bearer token is verified before a request reaches any route (core/oidc.py), so every
route but the public ones (health probes, docs) needs a valid token. Each entity operation
then asks for its scope through `authorized`, which OpenAPI shows as the operation's
security requirement: a token without the scope is a 403 `insufficient_scope`.
{%- else %}

This service was generated with `auth=none`: it is open, every request is served for an
anonymous caller and no scope is checked. Regenerate with `auth=oidc` (or port core/oidc.py
from a project that has it) before it serves anything private.
{%- endif %}
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
{%- if cookiecutter.auth == "oidc" %}
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security import SecurityScopes
from fastapi.security.base import SecurityBase
{%- else %}
from typing import Any

from fastapi import FastAPI
{%- endif %}

SCHEME = "bearer"  # the security scheme's name in OpenAPI


@dataclass(frozen=True)
class Caller:
    """The verified claims of the request's token, and the scopes they grant."""

    claims: Mapping[str, Any] = field(default_factory=dict)
    scopes: frozenset[str] = frozenset()


ANONYMOUS = Caller()


def read_scope(plural: str) -> str:
    """The scope of every GET of an entity, nested lists included."""
    return f"{plural}:read"


def write_scope(plural: str) -> str:
    """The scope of every POST, PUT, PATCH and DELETE of an entity."""
    return f"{plural}:write"


def required_scopes(app: FastAPI) -> list[str]:
    """Every scope some operation of app asks for, sorted (what `make token` grants)."""
    found = {
        scope
        for item in app.openapi().get("paths", {}).values()
        for operation in item.values()
        if isinstance(operation, dict)
        for requirement in operation.get("security", [])
        for scope in requirement.get(SCHEME, [])
    }
    return sorted(found)
{%- if cookiecutter.auth == "oidc" %}


class BearerToken(SecurityBase):
    """The OpenAPI security scheme (HTTP bearer, a JWT from the identity provider), and the
    caller the token middleware verified for this request."""

    def __init__(self, description: str) -> None:
        self.model = HTTPBearerModel(bearerFormat="JWT", description=description)
        self.scheme_name = SCHEME

    async def __call__(self, request: Request) -> Caller:
        """The caller verified by core.oidc.TokenMiddleware (401 if it did not run)."""
        caller = getattr(request.state, "caller", None)
        if not isinstance(caller, Caller):
            raise HTTPException(401, "A bearer token is required.", {"WWW-Authenticate": "Bearer"})
        return caller


bearer = BearerToken(
    "An access token (JWT) from the identity provider, verified against its key set. "
    "Each operation names the scope it needs: `<plural>:read` or `<plural>:write`."
)


async def authorized(
    security_scopes: SecurityScopes, caller: Annotated[Caller, Depends(bearer)]
) -> Caller:
    """The caller, if the token grants every scope the operation asks for; else 403."""
    missing = [scope for scope in security_scopes.scopes if scope not in caller.scopes]
    if missing:
        challenge = f'Bearer error="insufficient_scope", scope="{" ".join(missing)}"'
        detail = f"The token lacks the scope {' '.join(missing)}."
        raise HTTPException(403, detail, {"WWW-Authenticate": challenge})
    return caller
{%- else %}


async def authorized() -> Caller:
    """Every request is served for the anonymous caller (auth=none)."""
    return ANONYMOUS
{%- endif %}
