"""Base.metadata with every table: the registry imports each entity's package."""

from {{ cookiecutter.package_name }} import registry
from {{ cookiecutter.package_name }}.core.models import Base

__all__ = ["Base", "registry"]
