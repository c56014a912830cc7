"""Command-line flags derived from a settings schema (vlm_agent.core.settings)."""
from __future__ import annotations


def add_settings_flags(parser, settings_class, aliases: dict[str, tuple[str, ...]] | None = None) -> None:
    """One --flag per setting of `settings_class` (vlm_agent.core.settings): help, choices, type and
    default all from the schema."""
    from ..core.settings import settings_fields
    types = {"int": int, "float": float, "str": str}
    for info in settings_fields(settings_class):
        if info.kind not in types:
            continue
        unit = f" [{info.unit}]" if info.unit else ""
        parser.add_argument(f"--{info.name.replace('_', '-')}", *(aliases or {}).get(info.name, ()), dest=info.name,
                            type=types[info.kind], default=info.default, choices=info.choices or None,
                            help=info.description.replace("%", "%%") + unit + " (default %(default)r)")
