{%- if cookiecutter.auth == "oidc" -%}
"""Authentication and scopes, proven by attack: real tokens signed by a provider serving its
key set over HTTP on loopback, hostile tokens (each a 401), key rotation and an unreachable
key set, and a scope test built from the app's own routes."""

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from httpx import ASGITransport, AsyncClient, Response

from {{ cookiecutter.package_name }}.core.auth import SCHEME, required_scopes
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.oidc import DEV_KID, MAX_TOKEN_BYTES, mint
from {{ cookiecutter.package_name }}.main import create_app

from .callers import (
    AUDIENCE,
    IdentityProvider,
    bearer,
    caller_claims,
    identity_provider,
    settings_for,
    shared_provider,
)

PROBLEM_JSON = "application/problem+json"
PUBLIC = (
    "/health/live",
    "/health/ready",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/docs/assets/swagger-ui-bundle.js",
    "/redoc",
)


def b64(data: bytes) -> str:
    """base64url without padding, as JWTs encode their parts."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    """A JWT put together by hand, as an attacker would."""
    return ".".join(
        [b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()), b64(signature)]
    )


def probe_path(app: FastAPI) -> str:
    """A collection every scope-holding token may read: the first list without parameters."""
    return next(
        str(path)
        for path, item in app.openapi()["paths"].items()
        if "get" in item and item["get"].get("security") and "{" not in path
    )


async def call(app: FastAPI, headers: dict[str, str], url: str | None = None) -> Response:
    """GET url (the probe path by default) from app with these headers."""
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        return await client.get(url or probe_path(app), headers=headers)


def assert_refused(response: Response, token_sent: bool = True) -> None:
    """A 401 problem with a Bearer challenge (naming invalid_token when a token was sent)."""
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer")
    assert ('error="invalid_token"' in challenge) is token_sent
    assert response.json()["status"] == 401


@pytest.fixture(scope="module")
def scopes(app: FastAPI) -> list[str]:
    """Every scope of the app's operations."""
    return required_scopes(app)


def hostile_tokens(provider: IdentityProvider, scopes: list[str]) -> dict[str, str]:
    """Tokens that must each be refused, by name; all carry every scope."""
    claims = provider.claims(scopes)
    valid = provider.token(scopes)
    header, payload, signature = valid.split(".")
    public_pem = (
        provider.keys["rsa-1"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    confused_header = {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}
    signing_input = f"{b64(json.dumps(confused_header).encode())}.{payload}".encode()
    confused = f"{signing_input.decode()}.{b64(hmac.new(public_pem, signing_input, hashlib.sha256).digest())}"
    tampered_claims = {**claims, "sub": "mallory"}
    attacker = IdentityProvider()  # its own keys, one under the same key id as the provider's
    attacker_jwk = attacker.public_jwk("rsa-1")
    now = int(time.time())
    return {
        "alg_none": compact({"alg": "none", "typ": "JWT"}, claims),
        "alg_none_with_kid": compact({"alg": "none", "kid": "rsa-1"}, claims),
        "hs256_with_the_public_key_as_secret": confused,
        "expired": provider.token(scopes, exp=now - 3600),
        "not_yet_valid": provider.token(scopes, nbf=now + 3600),
        "without_exp": provider.token(scopes, exp=None),
        "wrong_issuer": provider.token(scopes, iss="https://evil.example.com"),
        "wrong_audience": provider.token(scopes, aud="another-service"),
        "without_audience": provider.token(scopes, aud=None),
        "tampered_payload": f"{header}.{b64(json.dumps(tampered_claims).encode())}.{signature}",
        "signature_stripped": f"{header}.{payload}.",
        "signature_only_header_and_payload": f"{header}.{payload}",
        "signed_by_another_key_under_a_known_kid": attacker.token(scopes, iss=provider.issuer),
        "unknown_kid": provider.token(scopes, kid="unpublished"),
        "jku_to_the_attackers_key_set": attacker.token(
            scopes, iss=provider.issuer, header={"jku": f"{attacker.issuer}/jwks.json"}
        ),
        "x5u_to_the_attackers_certificate": attacker.token(
            scopes, iss=provider.issuer, header={"x5u": f"{attacker.issuer}/cert.pem"}
        ),
        "embedded_jwk": attacker.token(scopes, iss=provider.issuer, header={"jwk": attacker_jwk}),
        "malformed_base64": "not*base64.at*all.!!",
        "malformed_json": f"{b64(b'{not json')}.{payload}.{signature}",
        "over_8_kb": provider.token(scopes, padding="x" * MAX_TOKEN_BYTES),
    }


HOSTILE = [
    "alg_none",
    "alg_none_with_kid",
    "hs256_with_the_public_key_as_secret",
    "expired",
    "not_yet_valid",
    "without_exp",
    "wrong_issuer",
    "wrong_audience",
    "without_audience",
    "tampered_payload",
    "signature_stripped",
    "signature_only_header_and_payload",
    "signed_by_another_key_under_a_known_kid",
    "unknown_kid",
    "jku_to_the_attackers_key_set",
    "x5u_to_the_attackers_certificate",
    "embedded_jwk",
    "malformed_base64",
    "malformed_json",
    "over_8_kb",
]


@pytest.fixture(scope="module")
def hostile(scopes: list[str]) -> dict[str, str]:
    """The hostile tokens, made once."""
    provider = shared_provider()
    provider.add_key("unpublished", "RS256", publish=False)
    return hostile_tokens(provider, scopes)


def test_every_hostile_token_has_a_test(hostile: dict[str, str]) -> None:
    assert sorted(hostile) == sorted(HOSTILE)


@pytest.mark.parametrize("name", HOSTILE)
async def test_hostile_token_is_401(app: FastAPI, hostile: dict[str, str], name: str) -> None:
    assert_refused(await call(app, bearer(hostile[name])))


@pytest.mark.parametrize("kid", ["rsa-1", "ec-1"])
async def test_valid_token_is_accepted(app: FastAPI, scopes: list[str], kid: str) -> None:
    response = await call(app, bearer(shared_provider().token(scopes, kid=kid)))
    assert response.status_code == 200, response.text


async def test_expiry_within_the_leeway_is_accepted(app: FastAPI, scopes: list[str]) -> None:
    token = shared_provider().token(scopes, exp=int(time.time()) - 5)
    assert (await call(app, bearer(token))).status_code == 200


async def test_scopes_are_read_from_a_scp_list(app: FastAPI, scopes: list[str]) -> None:
    token = shared_provider().token(scope=None, scp=scopes)
    assert (await call(app, bearer(token))).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": ""}, {"Authorization": "Bearer"}, {"Authorization": "Basic YTpi"}],
)
async def test_missing_token_is_401_with_a_bare_challenge(
    app: FastAPI, headers: dict[str, str]
) -> None:
    assert_refused(await call(app, headers), token_sent=False)


async def test_token_in_the_query_string_is_ignored(app: FastAPI, scopes: list[str]) -> None:
    token = shared_provider().token(scopes)
    url = f"{probe_path(app)}?access_token={token}"
    assert_refused(await call(app, {}, url), token_sent=False)


@pytest.mark.parametrize("url", PUBLIC)
async def test_probes_and_docs_need_no_token(app: FastAPI, url: str) -> None:
    assert (await call(app, {}, url)).status_code == 200


def route_cases(app: FastAPI) -> list[tuple[str, str, str]]:
    """(method, URL, operation id) of every operation of every route but the public ones,
    path parameters filled with a well-formed id."""
    cases = []
    for context in iter_route_contexts(app.routes):
        route, url = context.original_route, str(context.path_format)
        if not isinstance(route, APIRoute) or url in PUBLIC:
            continue
        for parameter in route.dependant.path_params:
            integer = parameter.field_info.annotation is int
            value = "1" if integer else "00000000-0000-4000-8000-000000000000"
            url = url.replace("{" + parameter.alias + "}", value)
        cases += [(method, url, route.name) for method in sorted(context.methods or ())]
    return cases


async def test_every_operation_needs_its_scope(app: FastAPI, scopes: list[str]) -> None:
    operations = {
        operation["operationId"]: operation
        for item in app.openapi()["paths"].values()
        for operation in item.values()
    }
    provider = shared_provider()
    cases = route_cases(app)
    assert cases
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        for method, url, name in cases:
            requirement = operations[name].get("security")
            assert requirement, f"{method} {url} ({name}) declares no security requirement"
            (needed,) = requirement[0][SCHEME]
            others = [scope for scope in scopes if scope != needed]
            for granted in ([], others):
                headers = bearer(provider.token(granted))
                response = await client.request(method, url, headers=headers)
                assert response.status_code == 403, f"{method} {url}, {granted}: {response.text}"
                assert response.headers["content-type"] == PROBLEM_JSON
                challenge = response.headers["www-authenticate"]
                assert challenge == f'Bearer error="insufficient_scope", scope="{needed}"'


def test_openapi_declares_the_scheme_and_a_requirement_on_every_operation(
    app: FastAPI,
) -> None:
    schema = app.openapi()
    assert schema["components"]["securitySchemes"][SCHEME] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schema["components"]["securitySchemes"][SCHEME]["description"],
    }
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if path.startswith("/health/"):
                assert "security" not in operation
                continue
            assert operation["security"] == [{SCHEME: [operation["security"][0][SCHEME][0]]}]
            assert {"401", "403"} <= set(operation["responses"]), f"{method} {path}"


# --- keys: rotation, cooldown and an unreachable key set ----------------------------------


@pytest.fixture
def own_provider() -> Iterator[IdentityProvider]:
    """A provider for one test, which it may rotate and stop."""
    with identity_provider() as provider:
        yield provider


@pytest.fixture
async def app_of_own_provider(
    database_url: str, own_provider: IdentityProvider
) -> AsyncIterator[FastAPI]:
    """An app trusting own_provider, fetching its key set at most once per second."""
    settings = settings_for(database_url, own_provider, auth_jwks_cooldown_seconds=0)
    app = create_app(settings)
    yield app
    await app.state.engine.dispose()


async def test_rotated_keys_work_without_a_restart(
    app_of_own_provider: FastAPI, own_provider: IdentityProvider, scopes: list[str]
) -> None:
    app, provider = app_of_own_provider, own_provider
    assert (await call(app, bearer(provider.token(scopes)))).status_code == 200
    provider.add_key("rsa-2", "RS256")
    provider.published.remove("rsa-1")
    assert (await call(app, bearer(provider.token(scopes, kid="rsa-2")))).status_code == 200
    assert_refused(await call(app, bearer(provider.token(scopes, kid="rsa-1"))))


async def test_a_kept_token_is_refused_once_its_key_is_rotated_out(
    app_of_own_provider: FastAPI, own_provider: IdentityProvider, scopes: list[str]
) -> None:
    """The same token string, verified and kept, is checked again after a key set fetch
    that no longer publishes its key: refused, never served from what was kept."""
    app, provider = app_of_own_provider, own_provider
    kept = provider.token(scopes)
    assert (await call(app, bearer(kept))).status_code == 200
    assert (await call(app, bearer(kept))).status_code == 200
    provider.add_key("rsa-2", "RS256")
    provider.published.remove("rsa-1")
    assert (await call(app, bearer(provider.token(scopes, kid="rsa-2")))).status_code == 200
    assert_refused(await call(app, bearer(kept)))


async def test_a_kept_token_is_refused_once_it_expires(
    database_url: str, own_provider: IdentityProvider, scopes: list[str]
) -> None:
    app = create_app(settings_for(database_url, own_provider, auth_leeway_seconds=0))
    expires = int(time.time()) + 2
    token = own_provider.token(scopes, exp=expires)
    accepted = await call(app, bearer(token))  # kept
    await asyncio.sleep(expires - time.time() + 0.5)
    expired = await call(app, bearer(token))
    await app.state.engine.dispose()
    assert accepted.status_code == 200, accepted.text
    assert_refused(expired)


async def test_unknown_kids_fetch_the_key_set_at_most_once_per_cooldown(
    database_url: str, own_provider: IdentityProvider, scopes: list[str]
) -> None:
    app = create_app(settings_for(database_url, own_provider, auth_jwks_cooldown_seconds=60))
    own_provider.add_key("unpublished", "RS256", publish=False)
    assert (await call(app, bearer(own_provider.token(scopes)))).status_code == 200
    fetched = own_provider.jwks_requests
    for _ in range(5):
        assert_refused(await call(app, bearer(own_provider.token(scopes, kid="unpublished"))))
    await app.state.engine.dispose()
    assert (fetched, own_provider.jwks_requests) == (1, 1)


async def test_unreachable_key_set_keeps_cached_keys_and_answers_503_for_others(
    app_of_own_provider: FastAPI, own_provider: IdentityProvider, scopes: list[str]
) -> None:
    app, provider = app_of_own_provider, own_provider
    assert (await call(app, bearer(provider.token(scopes)))).status_code == 200
    provider.add_key("rsa-2", "RS256")
    provider.stop()
    cached = await call(app, bearer(provider.token(scopes, kid="ec-1")))
    unavailable = await call(app, bearer(provider.token(scopes, kid="rsa-2")))
    provider.start()
    recovered = await call(app, bearer(provider.token(scopes, kid="rsa-2")))
    assert cached.status_code == 200, cached.text
    assert unavailable.status_code == 503, unavailable.text
    assert unavailable.headers["content-type"] == PROBLEM_JSON
    assert unavailable.headers["retry-after"]
    assert recovered.status_code == 200, recovered.text


async def test_key_set_url_can_be_given_instead_of_discovery(
    database_url: str, own_provider: IdentityProvider, scopes: list[str]
) -> None:
    jwks_url = f"{own_provider.issuer}/jwks.json"
    app = create_app(settings_for(database_url, own_provider, auth_jwks_url=jwks_url))
    response = await call(app, bearer(own_provider.token(scopes, kid="ec-1")))
    await app.state.engine.dispose()
    assert response.status_code == 200, response.text


# --- settings and the development key -------------------------------------------------------

DEV_KEY = b64(bytes(range(32)))


def development(database_url: str, **changes: Any) -> Settings:
    """Settings of a development app with a development key."""
    defaults: dict[str, Any] = {"environment": "development", "auth_dev_key": DEV_KEY}
    defaults |= {"auth_issuer": None, "auth_audience": None}
    return settings_for(database_url, **{**defaults, **changes})


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"auth_issuer": None}, "AUTH_ISSUER"),
        ({"auth_audience": None}, "AUTH_AUDIENCE"),
        ({"auth_dev_key": DEV_KEY}, "AUTH_DEV_KEY"),
    ],
)
def test_production_refuses_to_start_without_its_auth_settings(
    database_url: str, changes: dict[str, Any], variable: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        create_app(settings_for(database_url, **changes))
    message = str(exit_info.value.code)
    assert message.startswith(f"{variable}: ")
    assert "\n" not in message


@pytest.mark.parametrize("algorithms", ["HS256", "none", "RS256,HS512", ""])
def test_only_asymmetric_algorithms_are_accepted(database_url: str, algorithms: str) -> None:
    with pytest.raises(ValueError, match="auth_algorithms"):
        settings_for(database_url, auth_algorithms=algorithms)


async def test_development_token_is_accepted_in_development(database_url: str) -> None:
    settings = development(database_url)
    app = create_app(settings)
    token = mint(settings, "alice", required_scopes(app), caller_claims("alice"), minutes=5)
    response = await call(app, bearer(token))
    await app.state.engine.dispose()
    assert jwt.get_unverified_header(token)["kid"] == DEV_KID
    assert response.status_code == 200, response.text


async def test_development_token_is_refused_in_production(app: FastAPI, database_url: str) -> None:
    settings = development(database_url)
    token = mint(settings, "alice", required_scopes(app), {}, minutes=5)
    assert_refused(await call(app, bearer(token)))


def test_tokens_are_minted_in_development_only(database_url: str) -> None:
    with pytest.raises(SystemExit, match="ENVIRONMENT=development"):
        mint(settings_for(database_url), "alice", [], {}, minutes=5)


def test_test_tokens_are_for_this_audience(scopes: list[str]) -> None:
    claims = jwt.decode(shared_provider().token(scopes), options={"verify_signature": False})
    assert claims["aud"] == AUDIENCE
{%- else -%}
"""auth=none: the service is open, and says so once at start-up."""

import json

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app


def test_start_up_warns_that_the_service_is_open(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    create_app(settings)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    warnings = [line["message"] for line in lines if line["level"] == "WARNING"]
    assert warnings == ["auth=none: this service is open, every request is served without a token"]


async def test_operations_need_no_token(app: FastAPI) -> None:
    path = next(path for path, item in app.openapi()["paths"].items() if "{" not in path)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        response = await client.get(path)
    assert response.status_code == 200, response.text
    assert "securitySchemes" not in app.openapi().get("components", {})
{%- endif %}
