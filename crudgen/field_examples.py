"""What the generated tests send for a field: a valid example per row, and values the
API must refuse with a 422 in bodies and in filters."""

from __future__ import annotations

from crudgen.field_dsl import INT32, JSON_SAFE, FieldBase
from crudgen.pyfmt import Call

BODY_LIMIT = 1_000_000  # below the service's default MAX_BODY_BYTES (1 MiB), with room


class Examples(FieldBase):
    """The test side of a field."""

    @property
    def bad_examples(self) -> list[str]:
        """Python expressions of values the API must refuse with 422 (never a 500)."""
        bad = {
            "text": ['"nul \\x00 byte"'],
            "int": [str(INT32), str(-INT32 - 1), '"twelve"', "True", '"12"', "1.5"],
            "bigint": [str(JSON_SAFE + 1), str(-JSON_SAFE - 1), "False"],
            "float": ['float("nan")', 'float("inf")', "True", '"1.5"'],
            "bool": ['"maybe"', '"true"', "1"],
            "date": ['"2024-02-30"', "0", '"0"', "1.2e-104", '"20240131"'],
            "datetime": [
                '"2024-01-01T00:00:00"',
                '"yesterday"',
                '"0001-01-01T00:00:00+01:00"',
                '"0001-01-01T00:00:00Z"',
                "0",
                '"1700000000"',
            ],
            "uuid": ['"not-a-uuid"', "1", '"0b7e1c3a9d5f4e2b8a613c4d5e6f7a8b"'],
            "email": ['"not-an-email"'],
            "url": ['"ftp://example.com"', '"https://"'],
            "json": ["[1, 2]"],
            "enum": ['"not_a_member"'],
        }.get(self.kind, [])
        if self.kind == "ref":
            bad = ['"not-a-uuid"', "1"] if self.id_type == "uuid" else ['"12"', "1.5", "True"]
        if self.kind == "str":
            bad = ['"nul \\x00 byte"']
            if int(self.args[0]) < BODY_LIMIT:  # longer bodies are refused first, with 413
                bad.insert(0, f'"x" * {int(self.args[0]) + 1}')
        if self.kind == "decimal":
            whole = int(self.args[0]) - int(self.args[1]) + 1
            bad = [f'"9" * {whole}', 'float("nan")', "1.5", '"1e3"']
        return bad

    @property
    def bad_filters(self) -> list[tuple[str, str]]:
        """(query parameter, value) pairs the list must refuse with 422: text that is not
        in the documented format, though Pydantic's lax mode would read it."""
        bad = {
            "int": ["1.5", "true"],
            "date": ["0", "1700000000", "20240131"],
            "datetime": ["0", "2024-01-31", "2024-01-31T09:30:00"],
            "uuid": ["1", "0b7e1c3a9d5f4e2b8a613c4d5e6f7a8b"],
            "decimal": ["1e3", "NaN", "0x10"],
            "ref": ["1"] if self.id_type == "uuid" else ["1.5", "true"],
        }.get(self.kind, [])
        params = [param for param, op in self.filters if op != "contains"]
        return [(param, value) for param in params for value in bad]

    @property
    def unique_example(self) -> bool:
        """Whether payload(i) gives the field a distinct value for each i, so that sending one
        payload twice must be a 409 (a nullable reference is None in payloads)."""
        return self.unique and self.example != "None"

    @property
    def example(self) -> str:
        """Python expression of `i` giving a distinct, valid JSON value for tests; a
        reference takes one of the parent rows the test created (PARENTS)."""
        if self.kind == "ref":
            return "None" if self.nullable else f'parent("{self.name}", i)'
        if self.kind == "enum":
            return f'one_of("{" ".join(self.args)}", i)'
        if self.kind == "str":  # distinct for every i, or for the most i the length allows
            size = int(self.args[0])
            if size >= 8:
                return f'f"{self.name[: size - 6]} {{i}}"'  # i of up to five digits fits
            return f"str(i % {10**size})" if size > 1 else "chr(0x4E00 + i % 20000)"
        if self.kind == "decimal":
            return _decimal_example(int(self.args[0]), int(self.args[1]))
        return self.spec.example.format(name=self.name.replace("_", "-"))

    @property
    def example_entry(self) -> Call | str:
        """`"name": example` in payload()'s dict; an enum's as a Call, so layout() wraps a
        long list of values as ruff format does."""
        if self.kind == "enum":
            return Call(f'"{self.name}": one_of', (f'"{" ".join(self.args)}"', "i"))
        return f'"{self.name}": {self.example}'


def _decimal_example(precision: int, scale: int) -> str:
    """Distinct values for i, in every digit the column holds: `i` itself when six whole
    digits or more hold the i the tests use, else i modulo 10**precision."""
    whole = precision - scale
    if whole >= 6:
        return f'f"{{i}}.{"5" * scale}"' if scale else 'f"{i}"'
    modulo = 10**precision
    if scale == 0:
        return f'f"{{i % {modulo}}}"'
    fraction = f"{{i % {10**scale}:0{scale}d}}" if scale > 1 else "{i % 10}"
    if whole == 0:
        return f'f"0.{fraction}"'
    return f'f"{{i % {modulo} // {10**scale}}}.{fraction}"'
