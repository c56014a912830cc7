"""The whole graph on the simulator's clock, over real DDS: with publish_clock the sim publishes
/clock (from 0, at speedup times wall-clock time) and stamps with it, its task node and any node
with use_sim_time follow it; and every node of the graph publishes /diagnostics at 1 Hz, stamped
with its node clock (sim time under use_sim_time)."""
import time

import pytest
from ros_helpers import rclpy, spin_until
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import CameraInfo

from vlm_agent.ros.common import sensor_qos
from vlm_agent.ros.conversions import stamp_ns

pytestmark = pytest.mark.ros
SPEEDUP = 4.0
SIM_EPOCH_BOUND_NS = 10**6 * 10**9  # sim time starts at 0: any stamp below 11.6 days is not wall time


def _params(**values):
    return [Parameter(k, value=v) for k, v in values.items()]


def _sim(tmp_path, **values):
    from vlm_agent.ros.sim_node import SimNode
    values = {"publish_clock": True, "speedup": SPEEDUP, "publish_rate": 1.0, "task_guard_embedding": False,
              "task_audit_log": str(tmp_path / "tasks.jsonl"), **values}
    return SimNode(parameter_overrides=_params(**values))


class Watcher:
    """A wall-clock test node: the newest /clock, camera_info stamps and /diagnostics by status name."""

    def __init__(self, *nodes):
        self.node = rclpy.create_node("sim_time_watcher")
        self.executor = SingleThreadedExecutor()
        self.nodes = nodes
        for n in (*nodes, self.node):
            self.executor.add_node(n)
        self.clock_ns, self.info_stamps, self.diagnostics = None, [], {}
        self.node.create_subscription(Clock, "/clock", lambda m: setattr(self, "clock_ns", stamp_ns(m.clock)), 10)
        self.node.create_subscription(CameraInfo, "camera/color/camera_info", lambda m: self.info_stamps.append(
            stamp_ns(m.header.stamp)), sensor_qos("reliable"))
        self.node.create_subscription(DiagnosticArray, "/diagnostics", self._on_diagnostics, 100)

    def _on_diagnostics(self, msg):
        for status in msg.status:
            self.diagnostics.setdefault(status.name, []).append((time.monotonic(), stamp_ns(msg.header.stamp)))

    def wait(self, condition, timeout=30.0):
        assert spin_until(self.executor, condition, timeout)

    def close(self):
        self.executor.shutdown()
        for n in self.nodes:
            n.destroy_node()
        self.node.destroy_node()


def _near_clock(watcher, node, tolerance_ns=int(0.5e9)):
    now = node.get_clock().now().nanoseconds
    return watcher.clock_ns is not None and 0 < now < SIM_EPOCH_BOUND_NS and abs(now - watcher.clock_ns) <= tolerance_ns


def test_with_publish_clock_nodes_on_sim_time_follow_the_sims_clock(ros, tmp_path):
    sim = _sim(tmp_path)
    follower = rclpy.create_node("clock_follower", parameter_overrides=_params(use_sim_time=True))
    w = Watcher(sim, follower)
    w.wait(lambda: w.clock_ns is not None and w.clock_ns > 10**9)
    wall0, sim0 = time.monotonic(), w.clock_ns
    w.wait(lambda: time.monotonic() - wall0 > 2.0)
    rate = (w.clock_ns - sim0) / 1e9 / (time.monotonic() - wall0)
    assert 1.0 < rate <= SPEEDUP * 1.1, f"sim time ran at {rate:.2f} x wall time, not about {SPEEDUP}"
    w.wait(lambda: _near_clock(w, follower))  # use_sim_time: the node clock is the sim's /clock
    assert sim.get_clock().ros_time_is_active and sim.get_parameter("use_sim_time").value
    w.wait(lambda: _near_clock(w, sim))  # the sim follows its own clock
    assert _near_clock(w, sim.task_host, int(1e9))  # and so does its task node (vlm_agent/execute)
    w.wait(lambda: len(w.info_stamps) >= 2)
    assert all(0 <= s < SIM_EPOCH_BOUND_NS for s in w.info_stamps)  # frames stamped in sim time
    assert w.info_stamps[-1] > w.info_stamps[0] and abs(w.info_stamps[-1] - w.clock_ns) < 2 * 10**9
    w.close()


def test_without_publish_clock_there_is_no_clock_and_the_sim_keeps_wall_time(ros, tmp_path):
    sim = _sim(tmp_path, publish_clock=False, tasks=False)
    w = Watcher(sim)
    w.wait(lambda: len(w.info_stamps) >= 1)
    assert w.clock_ns is None and not w.node.count_publishers("/clock")
    assert abs(w.info_stamps[-1] - time.time_ns()) < 5 * 10**9
    w.close()


def test_every_node_publishes_diagnostics_at_1_hz_on_its_node_clock(ros, tmp_path, tabletop):
    """The whole graph on the sim's clock (use_sim_time true everywhere): each node's /diagnostics
    comes once a second of wall time (steady clock, so a paused simulation still reports) and is
    stamped in sim time. Lifecycle nodes report from the start, before they are configured."""
    from vlm_agent.core.perception.scene_dir import write_scene_dir
    from vlm_agent.ros.camera_node import CameraNode
    from vlm_agent.ros.grounding_node import GroundingNode
    from vlm_agent.ros.guard_node import GuardNode
    from vlm_agent.ros.lifecycle_manager import LifecycleManagerNode
    from vlm_agent.ros.people_node import PeopleNode
    from vlm_agent.ros.planner_node import PlannerNode
    from vlm_agent.ros.speech_node import SpeechNode
    from vlm_agent.ros.voice_node import VoiceNode
    scene, rendered, frame, _ = tabletop
    scene_dir = write_scene_dir(tmp_path / "scene", rendered.rgb, rendered.depth_m, scene.camera.intrinsics,
                                scene.camera.base_from_camera())
    sim_time = Parameter("use_sim_time", value=True)
    nodes = [_sim(tmp_path, tasks=False),
             CameraNode(parameter_overrides=[sim_time, *_params(source=str(scene_dir), frame_rate=1.0)]),
             GuardNode(parameter_overrides=[sim_time]), GroundingNode(parameter_overrides=[sim_time]),
             PlannerNode(parameter_overrides=[sim_time]), PeopleNode(parameter_overrides=[sim_time]),
             VoiceNode(parameter_overrides=[sim_time]),
             SpeechNode(parameter_overrides=[sim_time, *_params(output="wav", wav_dir=str(tmp_path / "wav"))]),
             LifecycleManagerNode(parameter_overrides=[sim_time, *_params(autostart=False)])]
    names = {f"vlm_agent {n.get_name()}" for n in nodes}
    w = Watcher(*nodes)
    assert all(n.get_parameter("use_sim_time").value for n in nodes)
    w.wait(lambda: names <= set(w.diagnostics) and all(len(w.diagnostics[n]) >= 4 for n in names), 60)
    for name in sorted(names):
        arrivals = w.diagnostics[name][-4:]
        period = (arrivals[-1][0] - arrivals[0][0]) / (len(arrivals) - 1)
        assert 0.7 < period < 1.5, f"{name}: /diagnostics every {period:.2f} s"
        stamp = arrivals[-1][1]
        assert 0 < stamp < SIM_EPOCH_BOUND_NS, f"{name}: /diagnostics stamped {stamp} ns, not in sim time"
    w.close()
