"""launch_testing example: the shipped scenario files as a `colcon test` test.

    colcon build --packages-select vlm_agent && colcon test --packages-select vlm_agent
    colcon test-result --verbose          # the scenario cases appear one by one (JUnit)

CMakeLists.txt registers this file with add_launch_test when launch_testing_ament_cmake is found.
Copy it next to your own scenario files and change SCENARIO_FILES to test your scenes and commands.
The launched process runs every case through the node graph (`--graph`: one process per node,
over DDS, on a private ROS domain) and writes JUnit XML beside the launch_testing result.
"""
import glob
import os
import sys
import unittest
import xml.etree.ElementTree as ET

import launch
import launch.actions
import launch_testing
import launch_testing.actions
import launch_testing.asserts
from ament_index_python.packages import get_package_share_directory

# people_ground_truth.yaml places a person only the in-process runner sees (see that file)
SCENARIO_FILES = sorted(f for f in glob.glob(os.path.join(get_package_share_directory("vlm_agent"), "config",
                                                          "scenarios", "*.yaml"))
                        if not f.endswith("people_ground_truth.yaml"))
JUNIT = os.path.join(os.environ.get("TEST_RESULTS_DIR", os.getcwd()), "vlm_agent_scenarios.xml")


def generate_test_description():
    scenarios = launch.actions.ExecuteProcess(
        cmd=[sys.executable, "-m", "vlm_agent.cli", "test-scenarios", *SCENARIO_FILES, "--graph", "--junit", JUNIT],
        output="screen")
    return launch.LaunchDescription([scenarios, launch_testing.actions.ReadyToTest()]), {"scenarios": scenarios}


class TestScenariosRun(unittest.TestCase):
    def test_every_case_runs_to_the_end(self, proc_info, scenarios):
        proc_info.assertWaitForShutdown(process=scenarios, timeout=600)


@launch_testing.post_shutdown_test()
class TestScenariosPassed(unittest.TestCase):
    def test_exit_code_and_junit(self, proc_info, scenarios):
        launch_testing.asserts.assertExitCodes(proc_info, process=scenarios)  # 0: every case passed
        root = ET.parse(JUNIT).getroot()
        self.assertEqual((root.get("failures"), root.get("errors")), ("0", "0"))
        self.assertGreater(int(root.get("tests")), 0)
