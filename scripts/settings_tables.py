#!/usr/bin/env python3
"""Regenerate README.md's parameter tables from the settings schema (vlm_agent/core/settings).
`--check` exits 1 when the README is out of date (test_settings.py does the same)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vlm_agent.core.settings.docs import with_tables  # noqa: E402


def main() -> int:
    readme = ROOT / "README.md"
    text = readme.read_text()
    fresh = with_tables(text)
    if "--check" in sys.argv[1:]:
        if fresh != text:
            print("README.md parameter tables are out of date: run scripts/settings_tables.py", file=sys.stderr)
            return 1
        return 0
    readme.write_text(fresh)
    print(f"wrote the parameter tables in {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
