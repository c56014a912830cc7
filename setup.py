"""pip install of the ROS-free core, the nodes' Python code and the vlm-agent CLI.

The ROS messages are built by CMakeLists.txt (colcon, or scripts/setup.sh for a venv).
"""
import os
from glob import glob

from setuptools import find_packages, setup

setup(
    name="vlm-agent-core",  # "vlm_agent" is the colcon-built message distribution
    version="0.1.0",
    description="Plain-language robot commands: RGB-D grounding, planning with explanations, safety guard",
    license="Apache-2.0",
    packages=find_packages(include=["vlm_agent", "vlm_agent.*"]),
    package_data={"vlm_agent": ["scenes/*.yaml"]},
    # the same place a colcon install uses, found by vlm_agent.core.resources
    data_files=[("share/vlm_agent/config", [f for f in glob("config/*") if os.path.isfile(f)]),
                ("share/vlm_agent/config/sros2", glob("config/sros2/*")),
                ("share/vlm_agent/config/scenarios", glob("config/scenarios/*.yaml")),
                ("share/vlm_agent/config/scenarios/scenes", glob("config/scenarios/scenes/*.yaml")),
                ("share/vlm_agent/launch", glob("launch/*.py"))],
    python_requires=">=3.10",
    install_requires=["numpy", "pyyaml", "opencv-python-headless", "open3d", "pybullet"],
    entry_points={"console_scripts": ["vlm-agent = vlm_agent.cli:main"]},
)
