"""Bare reference for the benchmark: the least Python can do to answer the service's calls.

A bare ASGI callable on an asyncpg pool, bodies written by orjson, no validation, no
framework, no problem+json: `GET /books/{id}` (the row, or a bare 404), `GET /books` (page 1
of the service's default list: `ORDER BY created_at, id`, `limit` items, 20 by default,
and a `next_cursor` in the service's format) and `POST /books` (the body's fields inserted
as they come, 201 and the row). No deep page: `cursor` is ignored. Where `raw_app.py` keeps
the service's HTTP contract by hand, this is the ceiling of one Python process on this
stack; bench/run.py measures the generated service against both.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_service \
        uvicorn bare_app:app --app-dir bench --no-access-log
"""

import base64
import os
import sys
from typing import Any, Final
from urllib.parse import parse_qs
from uuid import uuid4

import asyncpg

try:
    import orjson
except ModuleNotFoundError:  # pragma: no cover - an environment problem, said plainly
    sys.exit(
        "bench/bare_app.py needs orjson, which this venv does not have: add it to the "
        "template's dev dependencies (pyproject.toml, then `uv lock`), or for one run: "
        "uv pip install --python .venv/bin/python orjson"
    )

Scope = dict[str, Any]

COLUMNS: Final = "id, title, author, pages, published_on, version, created_at, updated_at"
GET_ONE: Final = f"SELECT {COLUMNS} FROM book WHERE id = $1"
FIRST_PAGE: Final = f"SELECT {COLUMNS} FROM book ORDER BY created_at, id LIMIT $1"
INSERT: Final = (
    "INSERT INTO book (id, title, author, pages, published_on) "
    f"VALUES ($1, $2, $3, $4, $5::text::date) RETURNING {COLUMNS}"
)
DEFAULT_LIMIT: Final = 20
SORT: Final = "created_at"
JSON: Final = [(b"content-type", b"application/json")]
DUMPS_OPTIONS: Final = orjson.OPT_UTC_Z  # datetimes as the service writes them: ...Z


def _cursor(record: asyncpg.Record) -> str:
    """The service's cursor after this row: base64url, no padding, of `[sort, value, id]`."""
    raw = orjson.dumps([SORT, record[SORT], record["id"]], option=DUMPS_OPTIONS)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def _uuids_as_text(connection: asyncpg.Connection) -> None:
    """Ids as strings both ways: orjson writes them as they are, none is parsed or built."""
    await connection.set_type_codec(
        "uuid", encoder=str, decoder=str, schema="pg_catalog", format="text"
    )


class BareApp:
    """Routing, bodies and the pool, with nothing checked that need not be."""

    def __init__(self) -> None:
        self.pool: asyncpg.Pool | None = None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        pool = self.pool
        assert pool is not None
        status, body = 404, b'{"detail":"Not Found"}'
        if path == "/books" and method == "GET":
            query = parse_qs(scope["query_string"].decode("latin-1"))
            limit = int(query.get("limit", [DEFAULT_LIMIT])[-1])
            records = await pool.fetch(FIRST_PAGE, limit + 1)
            next_cursor = _cursor(records[limit - 1]) if len(records) > limit else None
            items = [dict(record) for record in records[:limit]]
            status = 200
            body = orjson.dumps({"items": items, "next_cursor": next_cursor}, option=DUMPS_OPTIONS)
        elif path == "/books" and method == "POST":
            data = orjson.loads(await self._body(receive))
            record = await pool.fetchrow(
                INSERT,
                str(uuid4()),
                data["title"],
                data["author"],
                data.get("pages"),
                data.get("published_on"),
            )
            status, body = 201, orjson.dumps(dict(record), option=DUMPS_OPTIONS)
        elif path.startswith("/books/") and method == "GET":
            record = await pool.fetchrow(GET_ONE, path[7:])
            if record is not None:
                status, body = 200, orjson.dumps(dict(record), option=DUMPS_OPTIONS)
        headers = [*JSON, (b"content-length", b"%d" % len(body))]  # no chunked encoding
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Any, send: Any) -> None:
        for _ in range(2):  # startup, then shutdown
            message = await receive()
            if message["type"] == "lifespan.startup":
                url = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
                self.pool = await asyncpg.create_pool(
                    url, min_size=10, max_size=15, init=_uuids_as_text
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.pool is not None:
                    await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    @staticmethod
    async def _body(receive: Any) -> bytes:
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        return b"".join(chunks)


app = BareApp()
