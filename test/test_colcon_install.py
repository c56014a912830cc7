"""The ROS workflow: colcon builds the messages and installs the package so that both
`from vlm_agent.msg import ...` and the core import from the install space."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
COLCON = shutil.which("colcon", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
pytestmark = pytest.mark.skipif(COLCON is None, reason="colcon is not installed")


def test_colcon_build_installs_messages_sources_launch_and_config(tmp_path):
    # a copy of the package: the checkout may hold the venv, whose include dirs CMake
    # refuses to export from inside a source tree
    source = tmp_path / "src" / "vlm_agent"
    source.mkdir(parents=True)
    for item in ("CMakeLists.txt", "package.xml", "msg", "vlm_agent", "launch", "config", "scripts"):
        if (REPO / item).is_dir():
            shutil.copytree(REPO / item, source / item, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(REPO / item, source / item)
    env = dict(os.environ, AMENT_PREFIX_PATH=sys.prefix, CMAKE_PREFIX_PATH=sys.prefix)
    build = subprocess.run(
        [COLCON, "--log-base", str(tmp_path / "log"), "build", "--base-paths", str(source),
         "--build-base", str(tmp_path / "build"), "--install-base", str(tmp_path / "install"),
         "--cmake-args", "-G", "Ninja", "-DBUILD_TESTING=OFF", f"-DPython3_EXECUTABLE={sys.executable}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    prefix = tmp_path / "install" / "vlm_agent"
    site = prefix / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    for path in ("share/vlm_agent/launch/agent.launch.py", "share/vlm_agent/config/agent.yaml",
                 "share/vlm_agent/config/fastdds.xml", "lib/vlm_agent/grounding_node", "lib/vlm_agent/vlm-agent"):
        assert (prefix / path).exists(), path
    code = ("import vlm_agent, vlm_agent.msg, vlm_agent.core.grounding, vlm_agent.ros.grounding_node\n"
            "from vlm_agent.msg import Command, GroundingResult\n"
            "assert vlm_agent.core.grounding.__file__.startswith(%r), vlm_agent.core.grounding.__file__\n"
            "print(Command(text='ok').text)" % str(site))
    clean_path = [p for p in sys.path if p and "site-packages" in p and "vlm_agent" not in p]
    check = subprocess.run([sys.executable, "-S", "-c", f"import sys; sys.path[:0] = {[str(site)] + clean_path!r}\n"
                            + code], cwd=tmp_path, capture_output=True, text=True,
                           env=dict(os.environ, LD_LIBRARY_PATH=f"{prefix / 'lib'}:{os.environ.get('LD_LIBRARY_PATH', '')}"))
    assert check.returncode == 0 and check.stdout.strip() == "ok", check.stderr[-3000:]
