"""One resolver for the package's data files (config/guard.yaml, config/agent.yaml, config/fastdds.xml, ...).

Looked up, in order, in the source checkout, in the share folder of the prefix the package is
installed in (a colcon install puts them in <prefix>/share/vlm_agent, a pip install's data_files
too), in every AMENT_PREFIX_PATH entry, and in sys.prefix/share/vlm_agent.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .errors import InputError

PACKAGE = "vlm_agent"
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def search_roots() -> list[Path]:
    roots = []
    checkout = PACKAGE_DIR.parent
    if (checkout / "package.xml").exists() and (checkout / "config").is_dir():
        roots.append(checkout)
    # <prefix>/lib/pythonX.Y/site-packages/vlm_agent -> <prefix>/share/vlm_agent
    roots.append(PACKAGE_DIR.parents[3] / "share" / PACKAGE if len(PACKAGE_DIR.parents) > 3 else checkout)
    for prefix in filter(None, os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep)):
        roots.append(Path(prefix) / "share" / PACKAGE)
    roots.append(Path(sys.prefix) / "share" / PACKAGE)
    return list(dict.fromkeys(roots))


def data_file(relative: str) -> Path:
    """The first existing `relative` (e.g. 'config/guard.yaml') under the search roots."""
    for root in search_roots():
        candidate = root / relative
        if candidate.exists():
            return candidate
    looked = ", ".join(str(root) for root in search_roots())
    raise InputError(f"data file '{relative}' of {PACKAGE} not found (looked in {looked}); "
                     "reinstall the package or pass the file's path explicitly")
