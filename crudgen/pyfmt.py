"""Lay out generated calls the way ruff format does, so output needs no formatter pass.

A call that fits on one line stays there; otherwise its arguments move to one indented
line; if that is still too long, to one line each with a trailing comma, and any
argument that is itself a call too long for its line is laid out the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LINE_LENGTH = 100


@dataclass(frozen=True)
class Call:
    """`head(args...)tail`, e.g. Call("sa.Enum", ("'a'", "name='x'"))."""

    head: str
    args: tuple[Arg, ...]
    tail: str = ""
    brackets: str = "()"
    collection: bool = False  # a list or tuple display: never hugged on one indented line

    def flat(self) -> str:
        """The call on one line."""
        inside = ", ".join(flat(a) for a in self.args)
        if self.collection and self.brackets == "()" and len(self.args) == 1:
            inside += ","  # a one-element tuple
        return f"{self.head}{self.brackets[0]}{inside}{self.brackets[1]}{self.tail}"


Arg = str | Call


def flat(arg: Arg) -> str:
    """An argument written on one line."""
    return arg if isinstance(arg, str) else arg.flat()


def layout(call: Arg, indent: int = 0, suffix: str = "") -> str:
    """Lines (joined, no trailing newline) for `call` at `indent`, followed by `suffix`."""
    pad = " " * indent
    if isinstance(call, str):
        return f"{pad}{call}{suffix}"
    one_line = f"{pad}{call.flat()}{suffix}"
    if len(one_line) <= LINE_LENGTH or not call.args:
        return one_line
    inner = " " * (indent + 4)
    opening, closing = call.brackets[0], call.brackets[1]
    hugged = inner + ", ".join(flat(a) for a in call.args)
    if len(hugged) <= LINE_LENGTH and not call.collection:
        return f"{pad}{call.head}{opening}\n{hugged}\n{pad}{closing}{call.tail}{suffix}"
    lines = "\n".join(_arg_lines(arg, indent + 4) for arg in call.args)
    return f"{pad}{call.head}{opening}\n{lines}\n{pad}{closing}{call.tail}{suffix}"


def _arg_lines(arg: Arg, indent: int) -> str:
    if isinstance(arg, Call):
        return layout(arg, indent, ",")
    return " " * indent + arg + ","


def python_list(name: str, values: object) -> Call:
    """`name = ["a", "b", ...]` as a Call, so layout() wraps it like ruff format."""
    items = tuple(f'"{value}"' for value in values)  # type: ignore[attr-defined]
    return collection(f"{name} = ", items)


def collection(head: str, items: Iterable[str], brackets: str = "[]") -> Call:
    """`head[item, ...]` (or a tuple with brackets "()") of Python expressions, laid out as
    ruff formats a list or tuple display: on one line, else one item per line."""
    return Call(head, tuple(items), brackets=brackets, collection=True)


def python_string(text: str) -> str:
    """A Python string literal for any one-line text, quoted as ruff format quotes it:
    double quotes unless that needs more escapes than single quotes."""
    quote = "'" if text.count('"') > text.count("'") else '"'
    body = "".join(
        "\\\\"
        if char == "\\"
        else "\\" + char
        if char == quote
        else char
        if char.isprintable()
        else repr(char)[1:-1]
        for char in text
    )
    return quote + body + quote
