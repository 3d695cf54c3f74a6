"""Raw reference for the benchmark: a bare ASGI callable straight on an asyncpg pool.

It serves the same `GET /books/{id}`, `GET /books?limit=N[&cursor=...]` and `POST /books`
semantics as the generated service (same SQL, same cursors, same JSON bodies, same status
codes, ETag and Location headers, problem+json errors) with no framework, no ORM and no
validation library: a keyset page is `WHERE (created_at, id) > ($1, $2) ORDER BY
created_at, id LIMIT n + 1`, served by the migration's ix_book_created_at_id. It is the
floor a Python service on this stack can reach, so the generated service is measured
against it. Not a product: only what the benchmark needs.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_service \
        uvicorn raw_app:app --app-dir bench --no-access-log
"""

import base64
import binascii
import json
import os
from datetime import date, datetime
from typing import Any, Final
from urllib.parse import parse_qs
from uuid import UUID, uuid4

import asyncpg

Scope = dict[str, Any]
Message = dict[str, Any]

COLUMNS: Final = "id, title, author, pages, published_on, version, created_at, updated_at"
GET_ONE: Final = f"SELECT {COLUMNS} FROM book WHERE id = $1"
INSERT: Final = (
    "INSERT INTO book (id, title, author, pages, published_on) "
    f"VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
)
FIRST_PAGE: Final = f"SELECT {COLUMNS} FROM book ORDER BY created_at, id LIMIT $1"
NEXT_PAGE: Final = (
    f"SELECT {COLUMNS} FROM book WHERE (created_at, id) > ($1, $2) ORDER BY created_at, id LIMIT $3"
)
LIMITS: Final = {"title": 200, "author": 120}
FIELDS: Final = frozenset({"title", "author", "pages", "published_on"})
INT32: Final = 2**31
MAX_BODY: Final = 1_048_576
DEFAULT_LIMIT: Final = 20
MAX_LIMIT: Final = 100
SORT: Final = "created_at"
PROBLEM_TITLES: Final = {
    404: "Not Found",
    409: "Conflict",
    413: "Content Too Large",
    422: "Unprocessable Content",
    405: "Method Not Allowed",
}


class Problem(Exception):
    """An error answer: status and detail of a problem+json body."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _iso(value: datetime) -> str:
    """Datetimes as pydantic writes them: ISO 8601, UTC as Z."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _row(record: asyncpg.Record) -> dict[str, Any]:
    published_on: date | None = record["published_on"]
    return {
        "id": str(record["id"]),
        "title": record["title"],
        "author": record["author"],
        "pages": record["pages"],
        "published_on": None if published_on is None else published_on.isoformat(),
        "version": record["version"],
        "created_at": _iso(record["created_at"]),
        "updated_at": _iso(record["updated_at"]),
    }


def _dumps(body: object) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _encode_cursor(created_at: datetime, row_id: UUID) -> str:
    raw = _dumps([SORT, _iso(created_at), str(row_id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(token: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        sort, value, row_id = json.loads(raw)
        if sort != SORT:
            raise ValueError(sort)
        return datetime.fromisoformat(value), UUID(row_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        detail = "cursor: not a cursor from this list with this sort; drop it to start over"
        raise Problem(422, detail) from None


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or len(value) > LIMITS[name] or "\x00" in value:
        raise Problem(422, f"{name}: a string of at most {LIMITS[name]} characters is required")
    return value


def _validate(body: bytes) -> tuple[str, str, int | None, date | None]:
    """The create body as (title, author, pages, published_on), or a 422."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Problem(422, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise Problem(422, "The body must be a JSON object.")
    if unknown := set(data) - FIELDS:
        raise Problem(422, f"Unknown fields: {', '.join(sorted(unknown))}.")
    pages = data.get("pages")
    if pages is not None and (
        not isinstance(pages, int) or isinstance(pages, bool) or not -INT32 <= pages < INT32
    ):
        raise Problem(422, "pages: an integer (32 bits) or null")
    published = data.get("published_on")
    try:
        published_on = None if published is None else date.fromisoformat(published)
    except (TypeError, ValueError):
        raise Problem(422, "published_on: a date (YYYY-MM-DD) or null") from None
    return _text(data, "title"), _text(data, "author"), pages, published_on


class RawApp:
    """ASGI application: routing, bodies and the pool, by hand."""

    def __init__(self) -> None:
        self.pool: asyncpg.Pool | None = None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        try:
            status, body, headers = await self._route(scope, receive)
            content_type = b"application/json"
        except Problem as problem:
            status, headers = problem.status, []
            title = PROBLEM_TITLES.get(status, "Error")
            body = _dumps(
                {"type": "about:blank", "title": title, "status": status, "detail": problem.detail}
            )
            content_type = b"application/problem+json"
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    *headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Any, send: Any) -> None:
        for _ in range(2):  # startup, then shutdown
            message = await receive()
            if message["type"] == "lifespan.startup":
                url = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
                self.pool = await asyncpg.create_pool(url, min_size=10, max_size=15)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.pool is not None:
                    await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _route(
        self, scope: Scope, receive: Any
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        path: str = scope["path"]
        method: str = scope["method"]
        if path == "/books":
            if method == "GET":
                return await self._list(scope["query_string"])
            if method == "POST":
                return await self._create(await self._body(receive))
            raise Problem(405, "Method Not Allowed")
        if path.startswith("/books/") and path.count("/") == 2:
            if method != "GET":
                raise Problem(405, "Method Not Allowed")
            return await self._read(path.removeprefix("/books/"))
        raise Problem(404, "Not Found")

    @staticmethod
    async def _body(receive: Any) -> bytes:
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:  # bounded: the size check below stops oversized bodies
            message = await receive()
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                raise Problem(413, f"The request body is over {MAX_BODY} bytes.")
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    async def _read(self, raw_id: str) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        try:
            book_id = UUID(raw_id)
        except ValueError:
            raise Problem(422, "book_id: not a valid UUID") from None
        assert self.pool is not None
        record = await self.pool.fetchrow(GET_ONE, book_id)
        if record is None:
            raise Problem(404, f"No book has id {book_id}.")
        return 200, _dumps(_row(record)), [(b"etag", f'"{record["version"]}"'.encode())]

    async def _create(self, body: bytes) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        title, author, pages, published_on = _validate(body)
        assert self.pool is not None
        try:
            record = await self.pool.fetchrow(INSERT, uuid4(), title, author, pages, published_on)
        except asyncpg.UniqueViolationError:
            detail = "The request conflicts with existing data (a unique value is taken)."
            raise Problem(409, detail) from None
        assert record is not None
        headers = [
            (b"location", f"/books/{record['id']}".encode()),
            (b"etag", f'"{record["version"]}"'.encode()),
        ]
        return 201, _dumps(_row(record)), headers

    async def _list(self, query_string: bytes) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        query = parse_qs(query_string.decode("latin-1"))
        try:
            limit = int(query.get("limit", [str(DEFAULT_LIMIT)])[-1])
        except ValueError:
            raise Problem(422, "limit: an integer") from None
        if not 1 <= limit <= MAX_LIMIT:
            raise Problem(422, f"limit: between 1 and {MAX_LIMIT}")
        assert self.pool is not None
        if cursor := query.get("cursor"):
            after, last_id = _decode_cursor(cursor[-1])
            records = await self.pool.fetch(NEXT_PAGE, after, last_id, limit + 1)
        else:
            records = await self.pool.fetch(FIRST_PAGE, limit + 1)
        next_cursor = None
        if len(records) > limit:
            records = records[:limit]
            next_cursor = _encode_cursor(records[-1]["created_at"], records[-1]["id"])
        body = {"items": [_row(record) for record in records], "next_cursor": next_cursor}
        return 200, _dumps(body), []


app = RawApp()
