"""Scenario driver for `vlm-agent test-scenarios --graph`: each scene starts the node graph (one
process per node, over DDS on a private ROS domain, as `vlm-agent launch` does) with the simulator
on that scene, sends the commands through vlm_agent/command_in and reads the outcome, verdicts,
plans and the simulator's ground truth (sim/scene_state) back."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import rclpy
from sensor_msgs.msg import Image

from .core.errors import InputError
from .core.scenarios.pipeline import CommandRun
from .core.sim.scene import load_scene
from .launcher import Graph, use_private_ros_domain, use_project_dds_profile
from .ros.client import AgentClient
from .ros.common import sensor_qos
from .ros.conversions import stamp_ns

NODES = ("sim", "guard", "grounding", "planner")


class GraphDriver:
    def __init__(self, params_file: str, startup_timeout_s: float = 120.0, command_timeout_s: float = 60.0):
        self.params_file = params_file
        self.startup_timeout_s, self.command_timeout_s = startup_timeout_s, command_timeout_s
        self.graph: Graph | None = None
        self.client: AgentClient | None = None
        self.log_dir = Path(tempfile.mkdtemp(prefix="vlm_agent_scenarios_"))
        use_project_dds_profile()
        use_private_ros_domain()
        rclpy.init()

    def open(self, scene: str) -> None:
        self.close()
        load_scene(scene)  # a bad scene is reported here, before any process starts
        logs = self.log_dir / Path(scene).stem
        self.graph = Graph(use_sim=True, params_file=self.params_file, overrides={"sim": {"scene": scene}},
                           log_dir=logs).start()
        self.client = AgentClient("vlm_agent_scenarios")
        self.frame_stamp_ns = 0
        self.client.create_subscription(Image, "camera/color/image_raw", self._on_frame, sensor_qos("reliable"))
        if not self.client.wait_for_graph(NODES, self.startup_timeout_s) or \
                not self.client.spin_until(lambda: self.client.scene_state is not None, 30):
            report = f"{self.client.not_ready or 'no sim/scene_state'}\n{self.graph.report()}"
            self.close()
            raise InputError(f"the node graph did not come up: {report}\nnode logs in {logs}")

    def run(self, text: str) -> CommandRun:
        executed_before = self.client.scene_state.plans_executed
        trace = self.client.run(text, self.command_timeout_s)
        if trace.status == "executed":  # the simulator's ground truth and camera catch up
            self.client.spin_until(lambda: self.client.scene_state.plans_executed > executed_before, 15)
            moved_ns = stamp_ns(self.client.scene_state.header.stamp)
            # the next command must be grounded on a frame of the world after the motion: measured
            # through the graph, a command sent at once was grounded on the frame from before it
            self.client.spin_until(lambda: self.frame_stamp_ns > moved_ns, 15)
        refusals = [v.category for v in trace.verdicts if not v.allowed]
        latency = (trace.finished_at or time.perf_counter()) - trace.sent_at  # unanswered: the time waited
        return CommandRun(trace.status or "error", latency * 1000,
                          grounding=trace.result.status if trace.result else "",
                          refusal=refusals[0] if refusals else "", plan_released=bool(trace.plans),
                          message=trace.message or f"no outcome within {self.command_timeout_s:.0f} s")

    def _on_frame(self, msg: Image) -> None:
        self.frame_stamp_ns = max(self.frame_stamp_ns, stamp_ns(msg.header.stamp))

    def positions(self) -> dict[str, np.ndarray]:
        return {o.name: np.array([o.pose.pose.position.x, o.pose.pose.position.y, o.pose.pose.position.z])
                for o in self.client.scene_state.objects}

    def held(self) -> str:
        return self.client.scene_state.held_object

    def close(self) -> None:
        if self.client is not None:
            self.client.destroy_node()
        if self.graph is not None:
            self.graph.stop()
        self.client = self.graph = None

    def shutdown(self) -> None:
        self.close()
        rclpy.try_shutdown()
