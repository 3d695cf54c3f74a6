"""What a field becomes in the API: its attributes in the Create, Update and Read schemas
and in the list's query model."""

from __future__ import annotations

from crudgen.field_dsl import NO_NUL, FieldBase, string_literal
from crudgen.naming import attribute_name
from crudgen.pyfmt import LINE_LENGTH, Arg, Call


class Schema(FieldBase):
    """The request and response side of a field."""

    @property
    def python_default(self) -> str | None:
        """Code for the Create schema's default value, or None when required."""
        if self.default is None:
            return "None" if self.nullable else None
        if self.kind == "bool":
            return "True" if self.default == "true" else "False"
        if self.kind == "enum":
            return f"{self.enum_class}.{self.default.upper()}"
        if self.kind == "decimal":
            return f'Decimal("{self.default}")'
        if self.kind in ("int", "bigint", "float"):
            return self.default
        return string_literal(self.default)

    @staticmethod
    def _attribute(
        name: str, annotation: str, default: str | None, constraints: tuple[str, ...]
    ) -> Arg:
        """`attr: annotation [= default]`, or `= Field(...)` with constraints or an alias."""
        attr = attribute_name(name)
        if attr != name:
            constraints = (f'alias="{name}"', *constraints)
        plain = f"{attr}: {annotation}" + (f" = {default}" if default is not None else "")
        if not constraints and (default is None or len(plain) <= LINE_LENGTH - 4):
            return plain
        head = () if default is None else (f"default={default}",)
        return Call(f"{attr}: {annotation} = Field", head + constraints)

    def schema_line(self, mode: str) -> Arg:
        """Attribute of the Create ("create"), Update ("update") or Read ("read") schema."""
        if mode == "read":
            return self._attribute(self.name, self.annotation, None, ())
        schema = self.spec.body or self._sub(self.spec.schema)
        constraints = () if self.spec.body else self._constraints(nullable=self.nullable)
        annotation = f"{schema} | None" if self.nullable else schema
        if mode == "update":  # absent means unchanged; null only where the column allows it
            update = f"{schema} | MISSING" + (" | None" if self.nullable else "")
            return self._attribute(self.name, update, "MISSING", constraints)
        return self._attribute(self.name, annotation, self.python_default, constraints)

    @property
    def filter_lines(self) -> list[Arg]:
        """Query-model attributes of this field's list filters."""
        schema = self._sub(self.spec.schema)
        constraints = self._constraints(nullable=True)
        lines = []
        for param, op in self.filters:
            if op == "contains":
                limit = self.spec.contains_max
                bound: tuple[str, ...] = (f"max_length={self._sub(limit)}",) if limit else ()
                bound += (NO_NUL,)
                lines.append(self._attribute(param, "str | None", "None", bound))
            else:
                lines.append(self._attribute(param, f"{schema} | None", "None", constraints))
        return lines
