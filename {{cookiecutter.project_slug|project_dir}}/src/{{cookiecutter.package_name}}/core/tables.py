"""Base.metadata with every table: the registry imports each entity's package.

It lives in core, not beside the entity packages, so no entity's package (`models` for
an entity Model) can take its name.
"""

from {{ cookiecutter.package_name }} import registry
from {{ cookiecutter.package_name }}.core.models import Base

__all__ = ["Base", "registry"]
