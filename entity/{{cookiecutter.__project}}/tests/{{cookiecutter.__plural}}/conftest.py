"""The clients of these tests create the parent rows that payload() refers to first."""

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from .factories import add_parents


@pytest.fixture
async def client(client: AsyncClient, app: FastAPI) -> AsyncClient:
    """The shared client, with this test's parent rows created in its transaction."""
    await add_parents(client, app)
    return client


@pytest.fixture
async def live_client(live_client: AsyncClient, app: FastAPI) -> AsyncClient:
    """The shared live client, with parent rows committed (emptied afterwards)."""
    await add_parents(live_client, app)
    return live_client
