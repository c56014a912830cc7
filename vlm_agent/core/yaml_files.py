"""Reading the project's YAML files (scenes, scenarios, parameters, calibrations) with errors that
name the file and what it was meant to be."""
from __future__ import annotations

from pathlib import Path

import yaml

from .errors import InputError


def read_yaml(path: str | Path, what: str, error: type[InputError] = InputError):
    """The parsed content of `path`; `what` names it in errors ("scenario file")."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text())
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise error(f"{what} {path} is not valid YAML: {exc}") from exc
