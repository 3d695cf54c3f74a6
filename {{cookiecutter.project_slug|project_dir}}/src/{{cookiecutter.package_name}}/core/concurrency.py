"""Optimistic concurrency: the version column as ETag, checked against If-Match."""

import re
from typing import Annotated

from fastapi import Depends, Header, HTTPException

_STRONG_TAG = re.compile(r'^\s*"(\d{1,9})"\s*$')


def etag(version: int) -> str:
    """The ETag header value of a resource version."""
    return f'"{version}"'


def if_match_versions(
    if_match: Annotated[str | None, Header(description='ETag(s) from a GET, e.g. "3"')] = None,
) -> list[int] | None:
    """Versions allowed by If-Match; None when the header is absent or `*`."""
    if if_match is None or if_match.strip() == "*":
        return None
    versions = [int(m[1]) for tag in if_match.split(",") if (m := _STRONG_TAG.match(tag))]
    if not versions:
        detail = 'If-Match must hold an ETag such as "3" from a previous response.'
        raise HTTPException(412, detail)
    return versions


IfMatchDep = Annotated[list[int] | None, Depends(if_match_versions)]
