import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "vlm_agent" / "core"


def test_core_imports_without_ros():
    modules = sorted(".".join(p.relative_to(CORE.parent.parent).with_suffix("").parts)
                     for p in CORE.rglob("*.py") if p.name != "__init__.py")
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules) +
            "bad = [m for m in sys.modules if m == 'rclpy' or m.endswith('_msgs') or m == 'vlm_agent.msg']\n"
            "assert not bad, bad\nprint(len(sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert len(modules) > 10
