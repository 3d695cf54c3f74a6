"""Jinja figures of template files: the lines that carry Jinja (a line inside a multi-line
{{ ... }} or {% ... %} counts too) and the control blocks (if/for) of each file.

    python tools/jinja_figures.py $(find 'entity/{{cookiecutter.__project}}' -name '*.py' | sort)
"""

import re
import sys
from pathlib import Path


def figures(text: str) -> tuple[int, int, int]:
    """(lines with Jinja, lines, if/for blocks) of one template file."""
    lines = text.split("\n")
    inside = count = 0
    for line in lines:
        opened = line.count("{{") + line.count("{%")
        closed = line.count("}}") + line.count("%}")
        if opened or inside:
            count += 1
        inside = max(inside + opened - closed, 0)
    return count, len(lines), len(re.findall(r"\{%-?\s*(?:if|for)\b", text))


def main(paths: list[str]) -> None:
    """Print one line per file, then the totals."""
    total = jinja = busy = 0
    for name in paths:
        count, size, blocks = figures(Path(name).read_text(encoding="utf-8"))
        total, jinja, busy = total + size, jinja + count, busy + (blocks > 3)
        print(f"{count:4d}/{size:4d} lines, {blocks:2d} blocks  {name}")
    print(f"total {jinja}/{total} lines = {jinja / max(total, 1):.0%}; ", end="")
    print(f"files with more than 3 blocks: {busy} of {len(paths)}")


if __name__ == "__main__":
    main(sys.argv[1:])
