"""Liveness and readiness probes."""

import sqlalchemy as sa
from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from {{ cookiecutter.package_name }}.core.errors import problem_responses

router = APIRouter(prefix="/health", tags=["health"])
_PING = sa.text("SELECT 1")


@router.get("/live")
async def live() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}


@router.get("/ready", responses=problem_responses(503))
async def ready(request: Request) -> dict[str, str]:
    """The database answers a query (503 problem+json when it does not)."""
    engine: AsyncEngine = request.app.state.engine
    async with engine.connect() as connection:
        await connection.execute(_PING)
    return {"status": "ok"}
