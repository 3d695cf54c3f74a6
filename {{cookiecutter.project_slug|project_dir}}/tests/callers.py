{%- if cookiecutter.auth == "oidc" -%}
"""Who the tests call as: an identity provider on loopback that serves a real key set over
HTTP (RSA and EC keys) and signs the tests' own tokens, and the settings that trust it."""

import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from pydantic import SecretStr

from {{ cookiecutter.package_name }}.core.auth import required_scopes
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.rows import claims_needed
from {{ cookiecutter.package_name }}.core.tables import Base

AUDIENCE = "{{ cookiecutter.project_slug }}-tests"
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class IdentityProvider:
    """An OpenID provider's public side: `/.well-known/openid-configuration` and the key set
    at `/jwks.json`, served over HTTP on loopback. It signs tokens with any of its keys,
    published or not, and counts the key set's requests."""

    def __init__(self) -> None:
        self.keys: dict[str, PrivateKey] = {}
        self.published: list[str] = []
        self.jwks_requests = 0
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self.add_key("rsa-1", "RS256")
        self.add_key("ec-1", "ES256")

    @property
    def issuer(self) -> str:
        """The issuer URL (the tokens' iss), which is also where its configuration is."""
        return f"http://127.0.0.1:{self.port}"

    def add_key(self, kid: str, algorithm: str, *, publish: bool = True) -> None:
        """A new signing key: RSA for RS256, P-256 for ES256."""
        if algorithm == "RS256":
            self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            self.keys[kid] = ec.generate_private_key(ec.SECP256R1())
        if publish:
            self.published.append(kid)

    def algorithm(self, kid: str) -> str:
        """The algorithm the key signs with."""
        return "RS256" if isinstance(self.keys[kid], rsa.RSAPrivateKey) else "ES256"

    def public_jwk(self, kid: str) -> dict[str, Any]:
        """The public half of a key as a JWK."""
        public = self.keys[kid].public_key()
        if isinstance(public, rsa.RSAPublicKey):
            jwk: dict[str, Any] = RSAAlgorithm.to_jwk(public, as_dict=True)
        else:
            jwk = ECAlgorithm.to_jwk(public, as_dict=True)
        return {**jwk, "kid": kid, "alg": self.algorithm(kid), "use": "sig"}

    def jwks(self) -> dict[str, Any]:
        """The key set as served: the published keys."""
        return {"keys": [self.public_jwk(kid) for kid in self.published]}

    def claims(self, scopes: Sequence[str] = (), **claims: Any) -> dict[str, Any]:
        """A valid token's claims for the service, with these scopes; claims override."""
        now = int(time.time())
        default = {"iss": self.issuer, "aud": AUDIENCE, "iat": now, **caller_claims("alice")}
        return {**default, "exp": now + 600, "scope": " ".join(scopes), **claims}

    def token(
        self,
        scopes: Sequence[str] = (),
        *,
        kid: str = "rsa-1",
        header: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A token signed with the key kid; a claim given as None is left out."""
        payload = self.claims(scopes, **claims)
        return self.sign(payload, kid=kid, header=header)

    def sign(
        self, payload: dict[str, Any], *, kid: str = "rsa-1", header: dict[str, Any] | None = None
    ) -> str:
        """The payload signed with the key kid; a claim whose value is None is left out."""
        payload = {name: value for name, value in payload.items() if value is not None}
        headers = {"kid": kid, **(header or {})}
        return jwt.encode(payload, self.keys[kid], algorithm=self.algorithm(kid), headers=headers)

    def start(self) -> None:
        """Serve (again, on the same port once it has one)."""
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop serving: connections to the port are refused."""
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": provider.issuer, "jwks_uri": f"{provider.issuer}/jwks.json"}
                elif self.path == "/jwks.json":
                    provider.jwks_requests += 1
                    body = provider.jwks()
                else:
                    self.send_error(404)
                    return
                content = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the tests read what matters."""

        return Handler


def caller_claims(who: str) -> dict[str, str]:
    """who as the subject, and as the value of every other claim that scopes rows."""
    return {"sub": who, **dict.fromkeys(claims_needed(Base.metadata.tables.values()), who)}


@contextmanager
def identity_provider() -> Iterator[IdentityProvider]:
    """A provider of one's own, for tests that rotate its keys or stop it."""
    provider = IdentityProvider()
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


@cache
def shared_provider() -> IdentityProvider:
    """The provider every other test's tokens come from, started once."""
    provider = IdentityProvider()
    provider.start()
    return provider


def settings_for(
    database_url: str, provider: IdentityProvider | None = None, **changes: Any
) -> Settings:
    """Settings of an app under test, as in production: tokens from the provider only."""
    provider = provider or shared_provider()
    auth: dict[str, Any] = {
        "environment": "production",
        "auth_issuer": provider.issuer,
        "auth_audience": AUDIENCE,
        "auth_dev_key": None,
    }
    return Settings(database_url=SecretStr(database_url), **{**auth, **changes})


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}


def as_caller(app: FastAPI, who: str) -> dict[str, str]:
    """The header of who's token: every scope the app's operations ask for, and who as the
    value of every claim that scopes rows (sub, org_id ...)."""
    provider = shared_provider()
    return bearer(provider.sign(provider.claims(required_scopes(app), **caller_claims(who))))


def full_access(app: FastAPI) -> dict[str, str]:
    """The header of the tests' usual caller, alice."""
    return as_caller(app, "alice")
{%- else -%}
"""Who the tests call as: anyone, since the service is open (auth=none)."""

from typing import Any

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr

from {{ cookiecutter.package_name }}.core.config import Settings


def settings_for(database_url: str, **changes: Any) -> Settings:
    """Settings of an app under test."""
    return Settings(database_url=SecretStr(database_url), **changes)


def full_access(app: FastAPI) -> dict[str, str]:
    """No header: the service is open."""
    return {}
{%- endif %}


def client_for(app: FastAPI, *, raise_app_exceptions: bool = True) -> AsyncClient:
    """A client of app that may call every operation (raise_app_exceptions=False: 500s are
    answered instead of raised)."""
    transport = ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    return AsyncClient(transport=transport, base_url="http://test", headers=full_access(app))
