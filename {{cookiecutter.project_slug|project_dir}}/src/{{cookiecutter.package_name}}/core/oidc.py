"""Bearer tokens from the identity provider, verified before any route runs.

The service is an OAuth 2 resource server: it stores no passwords and issues no tokens. A
token is a JWT signed by the provider with an asymmetric key (AUTH_ALGORITHMS) from the
provider's key set (AUTH_JWKS_URL, or the `jwks_uri` of the issuer's OpenID configuration):

- no token, or one that fails verification: 401 with `WWW-Authenticate: Bearer`
  (`error="invalid_token"` when a token was sent);
- a token signed with a key the service cannot get while the key set is unreachable: 503,
  an outage rather than the client's mistake.

The key set is fetched over HTTP without blocking the event loop and kept. A token with a
key id (`kid`) the service does not know fetches it again, at most once per
AUTH_JWKS_COOLDOWN_SECONDS, so the provider can rotate its keys without a restart. Keys a
token names itself (`jku`, `x5u`, `jwk`, `x5c`) are never used: such a token is refused.

In development (ENVIRONMENT=development) the service also accepts tokens signed with
AUTH_DEV_KEY, which the bake wrote to `.env`: `make token` mints them. Production refuses to
start with that key set.
"""

import argparse
import asyncio
import base64
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm
from starlette.types import ASGIApp, Receive, Scope, Send

from {{ cookiecutter.package_name }}.core.auth import Caller
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.errors import RETRY_AFTER_SECONDS, problem

logger = logging.getLogger(__name__)

MAX_TOKEN_BYTES = 8192
VERIFIED_TOKENS = 1024  # the callers of this many recent tokens are kept (TokenVerifier)
DEV_KID = "development"  # the key id of AUTH_DEV_KEY's public key
DEV_ISSUER = "urn:{{ cookiecutter.project_slug }}:development"
DEV_AUDIENCE = "{{ cookiecutter.project_slug }}"
KEYS_NAMED_BY_THE_TOKEN = ("jku", "x5u", "jwk", "x5c")
# The key types each algorithm family can verify with: an RSA key never checks an EC
# signature, and no algorithm here takes a shared secret.
KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}


class InvalidToken(Exception):
    """The token is missing or fails verification: 401."""


class KeysUnavailable(Exception):
    """The token needs a key the service does not have, and the key set is unreachable: 503."""


class SigningKeys:
    """The provider's public keys by key id, fetched when a token needs one not yet known.

    A fetch replaces the remote keys, so a key the provider rotated out stops verifying. A
    fetch happens at most once per cooldown; in between, an unknown key id is a 401 (the key
    set said so) or, when the last fetch failed, a 503.
    """

    def __init__(
        self,
        *,
        jwks_url: str | None,
        discovery_url: str | None,
        issuer: str,
        local: Mapping[str, Mapping[str, Any]],
        cooldown: float,
        timeout: float,
    ) -> None:
        self._jwks_url, self._discovery_url, self._issuer = jwks_url, discovery_url, issuer
        self._local = dict(local)
        self._remote: dict[str | None, Mapping[str, Any]] = {}
        self._parsed: dict[tuple[str | None, str], jwt.PyJWK] = {}
        self._cooldown, self._timeout = cooldown, timeout
        self._fetched_at: float | None = None
        self._fetch_failed = False
        self._lock = asyncio.Lock()
        self.generation = 0  # grows with each key set fetched: tokens verified before re-verify

    @property
    def remote(self) -> bool:
        """Whether there is a provider's key set to fetch (not only the development key)."""
        return bool(self._jwks_url or self._discovery_url)

    async def key(self, kid: str | None, algorithm: str) -> jwt.PyJWK:
        """The key with this id, for this algorithm (fetching the key set if needed)."""
        jwk = self._find(kid)
        if jwk is None and self.remote:
            await self._refresh()
            jwk = self._find(kid)
        if jwk is None:
            raise InvalidToken(f"no key of the key set has the id {kid!r}")
        cached = self._parsed.get((kid, algorithm))
        if cached is None:
            family = KEY_TYPES.get(algorithm[:2])
            if jwk.get("kty") != family or jwk.get("alg", algorithm) != algorithm:
                raise InvalidToken(f"the key {kid!r} is not a key for {algorithm}")
            try:
                cached = jwt.PyJWK(dict(jwk), algorithm)
            except jwt.PyJWTError as error:
                raise InvalidToken(f"the key {kid!r} cannot verify {algorithm}: {error}") from None
            self._parsed[(kid, algorithm)] = cached
        return cached

    def _find(self, kid: str | None) -> Mapping[str, Any] | None:
        """The key with this id; a token without one may use the only key there is."""
        if kid is not None and kid in self._local:
            return self._local[kid]
        if kid is None and len(self._remote) == 1 and not self._local:
            return next(iter(self._remote.values()))
        return self._remote.get(kid) if kid is not None else None

    async def _refresh(self) -> None:
        """Fetch the key set, unless it was fetched (or failed) within the cooldown."""
        async with self._lock:
            now = time.monotonic()
            if self._fetched_at is not None and now - self._fetched_at < self._cooldown:
                if self._fetch_failed:
                    raise KeysUnavailable("the key set could not be fetched")
                return
            self._fetched_at = now
            try:
                keys = await self._fetch()
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                self._fetch_failed = True
                logger.warning("key set unavailable: %s: %s", type(error).__name__, error)
                raise KeysUnavailable("the key set could not be fetched") from None
            self._fetch_failed = False
            self._remote = keys
            self.generation += 1
            self._parsed = {
                key: parsed for key, parsed in self._parsed.items() if key[0] in self._local
            }

    async def _fetch(self) -> dict[str | None, Mapping[str, Any]]:
        async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client:
            if self._jwks_url is None and self._discovery_url is not None:
                configuration = (await client.get(self._discovery_url)).raise_for_status().json()
                if configuration["issuer"] != self._issuer:
                    msg = f"the OpenID configuration names issuer {configuration['issuer']!r}"
                    raise ValueError(msg)
                self._jwks_url = str(configuration["jwks_uri"])
            assert self._jwks_url is not None
            document = (await client.get(self._jwks_url)).raise_for_status().json()
        keys = document["keys"]
        if not isinstance(keys, list):
            raise TypeError("the key set's keys are not a list")
        return {
            key.get("kid"): key
            for key in keys
            if isinstance(key, dict) and key.get("use", "sig") == "sig"
        }


class TokenVerifier:
    """Checks a bearer token and returns its caller: signature, algorithm, issuer,
    audience, expiry (with leeway) and not-before.

    A client sends the same token with every request until it expires, and checking it
    (parsing, then the signature) took 13 to 17% of a POST's CPU time. So the callers of the
    last VERIFIED_TOKENS tokens are kept by token, each until its expiry (with the leeway):
    a kept token is served as verified while it is unexpired and the key set is the one it
    was verified with (a fetch may have rotated its key out: then it is checked again).
    """

    def __init__(self, settings: Settings, keys: SigningKeys, issuer: str, audience: str) -> None:
        self.keys = keys
        self._issuer, self._audience = issuer, audience
        self._algorithms = frozenset(settings.auth_algorithms)
        self._leeway = settings.auth_leeway_seconds
        self._scope_claims = tuple(settings.auth_scope_claims)
        # token -> (its caller, when it expires (time.time()), the key set's generation)
        self._verified: dict[str, tuple[Caller, float, int]] = {}

    async def verify(self, token: str) -> Caller:
        """The caller of a valid token; InvalidToken or KeysUnavailable otherwise."""
        kept = self._verified.get(token)
        if kept is not None:
            caller, expires, generation = kept
            if time.time() < expires and generation == self.keys.generation:
                return caller
            del self._verified[token]
        caller = await self._check(token)
        if len(self._verified) >= VERIFIED_TOKENS:
            del self._verified[next(iter(self._verified))]  # the one kept longest
        expires = float(caller.claims["exp"]) + self._leeway
        self._verified[token] = (caller, expires, self.keys.generation)
        return caller

    async def _check(self, token: str) -> Caller:
        """Verify the token itself."""
        if len(token) > MAX_TOKEN_BYTES:
            raise InvalidToken(f"the token is over {MAX_TOKEN_BYTES} bytes")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidToken(f"the token is malformed: {error}") from None
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self._algorithms:
            raise InvalidToken(f"the algorithm {algorithm!r} is not accepted")
        if named := [name for name in KEYS_NAMED_BY_THE_TOKEN if name in header]:
            raise InvalidToken(f"the token names its own key ({', '.join(named)})")
        kid = header.get("kid")
        key = await self.keys.key(kid if isinstance(kid, str) else None, algorithm)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from None
        return Caller(claims=claims, scopes=frozenset(self.scopes(claims)))

    def scopes(self, claims: Mapping[str, Any]) -> set[str]:
        """The scopes granted: a space-separated string (`scope`) or a list (`scp`)."""
        found: set[str] = set()
        for name in self._scope_claims:
            value = claims.get(name)
            if isinstance(value, str):
                found.update(value.split())
            elif isinstance(value, list):
                found.update(item for item in value if isinstance(item, str))
        return found


def dev_private_key(settings: Settings) -> Ed25519PrivateKey | None:
    """AUTH_DEV_KEY (a base64url Ed25519 seed of 32 bytes) as a key, or None when unset."""
    if settings.auth_dev_key is None:
        return None
    seed = settings.auth_dev_key.get_secret_value()
    return Ed25519PrivateKey.from_private_bytes(
        base64.urlsafe_b64decode(seed + "=" * (-len(seed) % 4))
    )


def dev_public_jwk(private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """The development key's public half as a JWK."""
    jwk: dict[str, Any] = OKPAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    return {**jwk, "kid": DEV_KID, "alg": "EdDSA", "use": "sig"}


def settings_problems(settings: Settings) -> list[str]:
    """What keeps the settings from verifying tokens, one line each (none in development)."""
    problems = []
    if settings.environment != "development":
        if not settings.auth_issuer:
            problems.append(
                "AUTH_ISSUER: required outside development (ENVIRONMENT=development), "
                "e.g. AUTH_ISSUER=https://sso.example.com/realms/acme"
            )
        if not settings.auth_audience:
            problems.append(
                "AUTH_AUDIENCE: required outside development (ENVIRONMENT=development), "
                "e.g. AUTH_AUDIENCE={{ cookiecutter.project_slug }}"
            )
        if settings.auth_dev_key is not None:
            problems.append(
                "AUTH_DEV_KEY: accepted in development only (ENVIRONMENT=development); "
                "unset it, e.g. remove the AUTH_DEV_KEY line"
            )
    return problems


def token_verifier(settings: Settings) -> TokenVerifier:
    """The verifier the settings describe; SystemExit with one line per problem."""
    if problems := settings_problems(settings):
        raise SystemExit("\n".join(problems))
    issuer = settings.auth_issuer or DEV_ISSUER
    audience = settings.auth_audience or DEV_AUDIENCE
    local = {}
    if (private_key := dev_private_key(settings)) is not None:
        local[DEV_KID] = dev_public_jwk(private_key)
    remote = issuer != DEV_ISSUER or settings.auth_jwks_url is not None
    keys = SigningKeys(
        jwks_url=settings.auth_jwks_url,
        discovery_url=f"{issuer.rstrip('/')}/.well-known/openid-configuration" if remote else None,
        issuer=issuer,
        local=local,
        cooldown=settings.auth_jwks_cooldown_seconds,
        timeout=settings.auth_jwks_timeout_seconds,
    )
    return TokenVerifier(settings, keys, issuer, audience)


class TokenMiddleware:
    """Verify the bearer token of every request but those to the public paths (the health
    probes, the docs), and keep its caller in the request's state (`request.state.caller`).
    A token is read from the Authorization header only, never from the query string."""

    def __init__(self, app: ASGIApp, verifier: TokenVerifier, public: Sequence[str]) -> None:
        self.app = app
        self.verifier = verifier
        self.public = frozenset(public)
        self.public_prefixes = ("/health/", *(path for path in public if path.endswith("/")))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 401 or 503 for a request without a valid token; pass the rest on."""
        if scope["type"] != "http" or self.is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        scheme, _, token = dict(scope["headers"]).get(b"authorization", b"").partition(b" ")
        if scheme.lower() != b"bearer" or not token.strip():
            challenge = 'Bearer realm="{{ cookiecutter.project_slug }}"'
            response = problem(
                401, "A bearer token is required.", headers={"WWW-Authenticate": challenge}
            )
            await response(scope, receive, send)
            return
        try:
            caller = await self.verifier.verify(token.strip().decode("ascii"))
        except (InvalidToken, UnicodeDecodeError) as error:
            challenge = 'Bearer error="invalid_token", error_description="The token is not valid."'
            logger.info("token refused: %s", error)
            response = problem(
                401, "The bearer token is not valid.", headers={"WWW-Authenticate": challenge}
            )
            await response(scope, receive, send)
            return
        except KeysUnavailable:
            headers = {"Retry-After": RETRY_AFTER_SECONDS}
            response = problem(
                503, "The identity provider's keys are unavailable; retry shortly.", headers=headers
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)

    def is_public(self, path: str) -> bool:
        """Whether path is served without a token: a public path ending with "/" stands
        for every path under it."""
        return path in self.public or path.startswith(self.public_prefixes)


def mint(
    settings: Settings, subject: str, scopes: Sequence[str], claims: Mapping[str, str], minutes: int
) -> str:
    """A token signed with the development key, as the identity provider would issue it."""
    private_key = dev_private_key(settings)
    if settings.environment != "development" or private_key is None:
        msg = "make token needs ENVIRONMENT=development and AUTH_DEV_KEY (the bake wrote both to .env)"
        raise SystemExit(msg)
    now = int(time.time())
    payload = {
        **claims,
        "iss": settings.auth_issuer or DEV_ISSUER,
        "aud": settings.auth_audience or DEV_AUDIENCE,
        "sub": subject,
        "iat": now,
        "exp": now + 60 * minutes,
        "scope": " ".join(scopes),
    }
    return jwt.encode(payload, private_key, algorithm="EdDSA", headers={"kid": DEV_KID})


def main(arguments: Sequence[str] | None = None) -> None:
    """`make token`: print a development token (every scope the service knows by default)."""
    from {{ cookiecutter.package_name }}.core.auth import required_scopes
    from {{ cookiecutter.package_name }}.core.config import get_settings
    from {{ cookiecutter.package_name }}.core.rows import claims_needed
    from {{ cookiecutter.package_name }}.core.tables import Base
    from {{ cookiecutter.package_name }}.main import create_app

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--sub", default="developer", help="the caller's subject (sub claim)")
    parser.add_argument("--scopes", default="", help="space-separated; default: all of them")
    parser.add_argument("--claims", default="", help="more claims: name=value, space-separated")
    parser.add_argument("--minutes", type=int, default=60, help="minutes until it expires")
    options = parser.parse_args(arguments)
    settings = get_settings()
    scopes = options.scopes.split() or required_scopes(create_app(settings))
    # Every claim that scopes rows (org_id ...) takes the subject's value unless given.
    given = dict(pair.partition("=")[::2] for pair in options.claims.split())
    claims = {**dict.fromkeys(claims_needed(Base.metadata.tables.values()), options.sub), **given}
    print(mint(settings, options.sub, scopes, claims, options.minutes))  # noqa: T201


if __name__ == "__main__":
    main()
