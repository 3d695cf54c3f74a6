"""Your own routes, rules and settings: this module belongs to your team.

The template created it once and never changes it, so template updates (`cruft update`)
merge around it with no conflict. main.py serves ROUTERS after the entities' routers.
An entity's business rules go in its own `rules.py` (it runs inside each write's
transaction); settings of your own go in a class of your own here.
{%- if cookiecutter.auth == "oidc" %}

Every route here needs a bearer token already; give each the scope it needs too, as the
entity routes do, e.g. `dependencies=[Security(authorized, scopes=["reports:read"])]`
(`from fastapi import Security`, `from .core.auth import authorized`): tests/test_auth.py
fails for a route without one.
{%- endif %}
"""

from fastapi import APIRouter

router = APIRouter(tags=["custom"])

ROUTERS: tuple[APIRouter, ...] = (router,)
