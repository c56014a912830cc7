"""One declaration per setting: a dataclass field whose metadata carries the type, default, unit,
description, allowed values and whether it may change while the node runs. Node parameters,
launch arguments, CLI flags, params-file validation and the README tables are derived from it."""
from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, get_type_hints

from ..errors import InputError

KINDS = {bool: "bool", int: "int", float: "float", str: "str", tuple[float, ...]: "float_list",
         tuple[str, ...]: "str_list"}


class SettingsError(InputError):
    """A setting that is unknown, of the wrong type or outside its allowed values."""


def setting(default, description: str, *, unit: str = "", choices: tuple = (), minimum: float | None = None,
            maximum: float | None = None, runtime: bool = False, safer: str = "", launch: str = "",
            length: int | None = None, multiple_of: int | None = None, check: Callable[[Any], str] | None = None):
    """A field of a settings dataclass.

    runtime: may change through `ros2 param set` while the node runs (validated);
    safer: 'lower', 'higher' or 'more' (a list that may only gain entries) -- at run time the value
           may only move that way (safety limits);
    launch: name of the launch argument and `vlm-agent launch --flag` that override it ('' = none);
    length / multiple_of: list lengths allowed (exactly, or a multiple; a 1-element [0.0] means none);
    check: value -> '' or why it is refused, for rules beyond type and range (a vocabulary, a template).
    """
    metadata = {"description": description, "unit": unit, "choices": tuple(choices), "minimum": minimum,
                "maximum": maximum, "runtime": runtime, "safer": safer, "launch": launch, "length": length,
                "multiple_of": multiple_of, "check": check}
    return field(default=tuple(default) if isinstance(default, list) else default, metadata=metadata)


@dataclass(frozen=True)
class SettingInfo:
    name: str
    kind: str
    default: Any
    description: str
    unit: str = ""
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    runtime: bool = False
    safer: str = ""
    launch: str = ""
    length: int | None = None
    multiple_of: int | None = None
    check: Callable[[Any], str] | None = None

    def allowed(self) -> str:
        """The allowed values in words, for tables and help texts."""
        if self.choices:
            return ", ".join(str(c) for c in self.choices)
        parts = []
        if self.minimum is not None:
            parts.append(f">= {self.minimum:g}")
        if self.maximum is not None:
            parts.append(f"<= {self.maximum:g}")
        if self.length:
            parts.append(f"{self.length} values")
        if self.multiple_of:
            parts.append(f"{self.multiple_of} values per item")
        return ", ".join(parts)

    def problem(self, value) -> str:
        """'' when value is acceptable, else why not (without the setting's name)."""
        if self.kind in ("float_list", "str_list"):
            if not isinstance(value, (list, tuple)):
                return f"must be a list of {'numbers' if self.kind == 'float_list' else 'strings'}, got {value!r}"
            item_kind = "float" if self.kind == "float_list" else "str"
            for item in value:
                problem = _scalar_problem(item_kind, item)
                if problem:
                    return f"has an item that {problem}"
            sentinel = self.kind == "float_list" and list(value) == [0.0]
            if self.length and len(value) != self.length and not sentinel:
                return f"must have {self.length} values, got {len(value)}"
            if self.multiple_of and len(value) % self.multiple_of and not sentinel:
                return f"must have a multiple of {self.multiple_of} values ([0.0] = none), got {len(value)}"
            return self.check(value) if self.check else ""
        problem = _scalar_problem(self.kind, value)
        if problem:
            return problem
        if self.choices and value not in self.choices:
            return f"must be one of {', '.join(map(str, self.choices))}, got {value!r}"
        if self.minimum is not None and value < self.minimum:
            return f"must be >= {self.minimum:g}, got {value}"
        if self.maximum is not None and value > self.maximum:
            return f"must be <= {self.maximum:g}, got {value}"
        return self.check(value) if self.check else ""

    def runtime_problem(self, old, new) -> str:
        """'' when a running node may take `new` in place of `old`."""
        if not self.runtime:
            return "is read when the node is configured and cannot change while it runs"
        if self.safer == "lower" and new > old:
            return f"may only be lowered while the node runs ({old} -> {new} refused; restart to raise it)"
        if self.safer == "higher" and new < old:
            return f"may only be raised while the node runs ({old} -> {new} refused; restart to lower it)"
        if self.safer == "more" and not set(old) <= set(new):
            removed = ", ".join(sorted(set(old) - set(new)))
            return f"may only gain entries while the node runs (removing {removed} refused; restart to remove)"
        return self.problem(new)


def template_check(*placeholders: str) -> Callable[[str], str]:
    """A check for a prompt template: not empty, each of `placeholders` ('{}', '{width}') exactly once,
    no other {name}."""
    def problem(text: str) -> str:
        if not text.strip():
            return "must not be empty"
        found = re.findall(r"\{\w*\}", text)
        for placeholder in placeholders:
            if found.count(placeholder) != 1:
                return f"must contain {placeholder} exactly once, got {text!r}"
        unknown = sorted(set(found) - set(placeholders))
        if unknown:
            return f"has unknown placeholder {', '.join(unknown)} (allowed: {', '.join(placeholders) or 'none'})"
        return ""
    return problem


def _scalar_problem(kind: str, value) -> str:
    if kind == "bool":
        return "" if isinstance(value, bool) else f"must be true or false, got {value!r}"
    if kind == "int":
        return "" if isinstance(value, int) and not isinstance(value, bool) else f"must be an integer, got {value!r}"
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number, got {value!r}"
        return "" if math.isfinite(value) else f"must be finite, got {value!r}"
    return "" if isinstance(value, str) else f"must be a string (quote it in YAML), got {value!r}"


def settings_fields(cls) -> list[SettingInfo]:
    hints = get_type_hints(cls)
    infos = []
    for f in dataclasses.fields(cls):
        if hints[f.name] not in KINDS:
            raise TypeError(f"{cls.__name__}.{f.name}: settings are bool, int, float, str or tuples of float/str")
        infos.append(SettingInfo(f.name, KINDS[hints[f.name]], f.default, **f.metadata))
    return infos


def settings_from(cls, values: dict, source: str):
    """An instance of settings class `cls` from {name: value}; unknown names and bad values raise
    SettingsError naming the setting and `source` (a file and node block, or a node)."""
    infos = {info.name: info for info in settings_fields(cls)}
    problems = []
    for name in values:
        if name not in infos:
            problems.append(f"{source}: unknown setting '{name}' (known: {', '.join(sorted(infos))})")
    kwargs = {}
    for name, value in values.items():
        info = infos.get(name)
        if info is None:
            continue
        if info.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if info.kind == "float_list" and isinstance(value, (list, tuple)):
            value = tuple(float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value)
        problem = info.problem(value)
        if problem:
            problems.append(f"{source}: '{name}' {problem}")
        kwargs[name] = tuple(value) if isinstance(value, list) else value
    if problems:
        raise SettingsError("; ".join(problems))
    return cls(**kwargs)


def with_changes(settings, changes: dict):
    return dataclasses.replace(settings, **{k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()})
