"""The "usual template pattern" the seeds teach, as a comparison point for the benchmark.

ORM all the way: `select(Model)` for the list, `session.get` for one, `add` + `commit` +
`refresh` for a create, a `get_db` dependency with the default scope, default engine and
session settings, `response_model` with `from_attributes`. It keeps the seeds' semantics,
not the generated service's: the list is a bare JSON array with no ORDER BY, paged by
`offset` only (no cursor: the benchmark's deep page sends `offset=` instead), and a unique
violation is a 500, not a 409 (the benchmark never sends one). Same `book` table.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench_service \
        uvicorn naive_app:app --app-dir bench --no-access-log
"""

import os
from collections.abc import AsyncIterator
from datetime import date, datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DATABASE_URL = os.environ["DATABASE_URL"]
engine = create_async_engine(DATABASE_URL)
SessionLocal = async_sessionmaker(engine, class_=AsyncSession)


async def get_db() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


class Base(DeclarativeBase):
    pass


class Book(Base):
    __tablename__ = "book"

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    title: Mapped[str] = mapped_column(sa.String(200), unique=True)
    author: Mapped[str] = mapped_column(sa.String(120), index=True)
    pages: Mapped[int | None] = mapped_column(sa.Integer())
    published_on: Mapped[date | None] = mapped_column(sa.Date())
    version: Mapped[int] = mapped_column(server_default=sa.text("1"))
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class BookCreate(BaseModel):
    title: str = Field(max_length=200)
    author: str = Field(max_length=120)
    pages: int | None = None
    published_on: date | None = None


class BookResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    title: str
    author: str
    pages: int | None
    published_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime


app = FastAPI()


@app.post("/books", response_model=BookResponse, status_code=status.HTTP_201_CREATED)
async def create_book(body: BookCreate, db: AsyncSession = Depends(get_db)) -> Book:  # noqa: B008
    book = Book(id=uuid4(), **body.model_dump())
    db.add(book)
    await db.commit()
    await db.refresh(book)
    return book


@app.get("/books", response_model=list[BookResponse])
async def list_books(
    offset: int = Query(0, ge=0),
    limit: int = Query(20, ge=1, le=100),
    db: AsyncSession = Depends(get_db),  # noqa: B008
) -> list[Book]:
    result = await db.execute(select(Book).offset(offset).limit(limit))
    return list(result.scalars().all())


@app.get("/books/{book_id}", response_model=BookResponse)
async def read_book(book_id: UUID, db: AsyncSession = Depends(get_db)) -> Book:  # noqa: B008
    book = await db.get(Book, book_id)
    if book is None:
        raise HTTPException(status_code=404, detail="Book not found")
    return book
