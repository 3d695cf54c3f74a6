"""Validate every answer before anything is written; report all problems, then exit 1.

The answers arrive as JSON (Jinja's `tojson`), never pasted into this source, so no
answer can run as code here.
"""

import json
import sys
from collections.abc import Mapping


def main(context: Mapping[str, object], template_root: str) -> int:
    """Print one line per invalid answer; 1 if there was any, else 0."""
    sys.path.insert(0, template_root)
    from crudgen.validate import validate_context

    errors = validate_context(context)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        print(f"{len(errors)} answer(s) rejected; nothing was generated.", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    # The hook runs in the output directory, so a relative template path (`cookiecutter .`,
    # cruft's checkouts) cannot locate crudgen: the extension hands over its absolute path.
    root = json.loads(r'''{{ template_root()|tojson }}''')  # fmt: skip
    sys.exit(main(json.loads(r"""{{ cookiecutter|tojson }}"""), root))
