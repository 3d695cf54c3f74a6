"""Declarative base with a constraint naming convention, and shared column helpers."""

from enum import StrEnum

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every mapped table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def enum_values(enum: type[StrEnum]) -> list[str]:
    """Store an enum's values (not its member names) in the database."""
    return [member.value for member in enum]
