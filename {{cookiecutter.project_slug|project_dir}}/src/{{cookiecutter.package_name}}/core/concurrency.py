"""Optimistic concurrency: the version column as ETag, checked against If-Match."""

import re
from typing import Annotated

from fastapi import Depends, Header

_STRONG_TAG = re.compile(r'^\s*"(\d{1,9})"\s*$')


def etag(version: int) -> str:
    """The ETag header value of a resource version."""
    return f'"{version}"'


def if_match_versions(
    if_match: Annotated[str | None, Header(description='ETag(s) from a GET, e.g. "3"')] = None,
) -> list[int] | None:
    """Versions allowed by If-Match: None without the header or for `*`; an unusable
    header allows none, so the write answers 412 (or 404 when the row is missing)."""
    if if_match is None or if_match.strip() == "*":
        return None
    return [int(m[1]) for tag in if_match.split(",") if (m := _STRONG_TAG.match(tag))]


IfMatchDep = Annotated[list[int] | None, Depends(if_match_versions)]
