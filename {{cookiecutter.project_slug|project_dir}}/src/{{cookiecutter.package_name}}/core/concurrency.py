"""Optimistic concurrency and caching: the version column as ETag, checked against If-Match
(writes) and If-None-Match (reads)."""

import re
from typing import Annotated, Any

from fastapi import Depends, Header

_STRONG_TAG = re.compile(r'^\s*"(\d{1,9})"\s*$')
_TAG = re.compile(r'^\s*(?:W/)?"(\d{1,9})"\s*$')

NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {
        "description": "Not Modified: If-None-Match names the current version; no body",
        "headers": {"ETag": {"description": "The current version", "schema": {"type": "string"}}},
    },
}


def _versions(header: str, tag: re.Pattern[str]) -> list[int]:
    """The versions named by a comma-separated list of ETags that match `tag`."""
    return [int(m[1]) for part in header.split(",") if (m := tag.match(part))]


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
    return _versions(if_match, _STRONG_TAG)


def not_modified(if_none_match: str | None, version: int) -> bool:
    """Whether If-None-Match names this version, so a GET answers 304 (RFC 9110 §13.1.2:
    weak comparison, W/"3" matches "3"; `*` matches any version)."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    return version in _versions(if_none_match, _TAG)


IfMatchDep = Annotated[list[int] | None, Depends(if_match_versions)]
IfNoneMatchHeader = Annotated[
    str | None,
    Header(description='ETag(s) of a copy already held, e.g. "3": 304 while it is current'),
]
