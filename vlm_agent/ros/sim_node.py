"""Simulator node: a pybullet tabletop publishing RGB-D + CameraInfo + camera pose + ground truth,
and the graph's executor: it runs guard-approved Plans with a kinematic gripper, over time, one
after another, and halts at once on vlm_agent/halt (or the guard's vlm_agent/stop service).

A plan runs only if it is unexpired and released by the one guard whose heartbeat it hears;
each plan's fate is published on vlm_agent/execution."""
from __future__ import annotations

import threading
import time
from collections import deque

import numpy as np
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from geometry_msgs.msg import Pose, PoseArray, PoseStamped, Vector3
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from vlm_agent.core.errors import InputError
from vlm_agent.core.sim.scene import load_scene
from vlm_agent.core.signing import ApprovalVerifier
from vlm_agent.core.sim.world import TabletopWorld
from vlm_agent.msg import Command, ExecutionStatus, ObjectState, Plan, SceneState, Status

from .common import EVENTS_QOS, LATCHED_QOS, AgentNode, run, sensor_qos
from .conversions import (approval_problem, image_to_ros, intrinsics_to_ros, matrix_from_quaternion, plan_from_ros,
                          pose_stamped)

CONTROL_PERIOD_S = 0.02


class SimNode(AgentNode):
    role = "executor"

    def __init__(self, **node_options):
        super().__init__("sim", **node_options)
        scene = self.param("scene", "tabletop", "Built-in scene name or path to a scene YAML.")
        rate = self.param("publish_rate", 5.0, "Camera frames per second.")
        self.depth_encoding = self.param("depth_encoding", "32FC1", "32FC1 (metres) or 16UC1 (millimetres).")
        reliability = self.param("image_reliability", "reliable",
                                 "QoS reliability of the image publishers (reliable or best_effort). Reliable "
                                 "was measured to be the only one that delivers 640x480 frames between processes.")
        self.base_frame = self.param("base_frame", "base_link", "Robot base frame (the world frame of the sim).")
        self.camera_frame = self.param("camera_frame", "camera_color_optical_frame", "Camera optical frame id.")
        self.speedup = self.param("speedup", 4.0, "Simulated seconds per wall-clock second while executing plans.")
        if self.depth_encoding not in ("32FC1", "16UC1"):
            raise ValueError(f"depth_encoding must be 32FC1 or 16UC1, got {self.depth_encoding}")
        self.world = TabletopWorld(load_scene(scene))
        self.base_from_camera = self.world.scene.camera.base_from_camera()
        qos = sensor_qos(reliability)
        self.rgb_pub = self.create_publisher(Image, "camera/color/image_raw", qos)
        self.depth_pub = self.create_publisher(Image, "camera/depth/image_raw", qos)
        self.info_pub = self.create_publisher(CameraInfo, "camera/color/camera_info", qos)
        self.pose_pub = self.create_publisher(PoseStamped, "camera/pose", LATCHED_QOS)
        self.state_pub = self.create_publisher(SceneState, "sim/scene_state", LATCHED_QOS)
        self.people_pub = self.create_publisher(PoseArray, "people", LATCHED_QOS)
        self.execution_pub = self.create_publisher(ExecutionStatus, "vlm_agent/execution", EVENTS_QOS)
        self.peers = self.watch_peers()
        self.key, self.key_problem = self.gate_key()
        self.verifier = ApprovalVerifier(self.key or b"")
        self.lock = threading.Lock()
        self.running, self.running_id, self.waiting = None, "", deque()
        self.create_subscription(Plan, "vlm_agent/plan", self._on_plan, EVENTS_QOS)
        # halts are served beside rendering and stepping, not after them
        self.create_subscription(Command, "vlm_agent/halt", self._on_halt, EVENTS_QOS,
                                 callback_group=MutuallyExclusiveCallbackGroup())
        self.create_timer(CONTROL_PERIOD_S, self._step)
        self._frame = None
        self.pose_pub.publish(pose_stamped(Header(frame_id=self.base_frame), self.base_from_camera[:3, 3],
                                           self.base_from_camera[:3, :3]))
        people = PoseArray(header=Header(frame_id=self.base_frame))
        for x, y in self.world.scene.people:
            pose = Pose()
            pose.position.x, pose.position.y, pose.position.z = float(x), float(y), 0.0
            people.poses.append(pose)
        self.people_pub.publish(people)
        self.create_timer(1.0 / rate, self._publish_frame)
        self.report(Status.INFO, f"sim ready: scene '{self.world.scene.name}' with {len(self.world.body_ids)} objects")

    def _publish_frame(self):
        if self._frame is None:  # render and encode only after the scene changed; each tick restamps
            rendered = self.world.render()
            depth = np.nan_to_num(rendered.depth_m, nan=0.0)  # 0 = no reading
            if self.depth_encoding == "16UC1":
                depth = (depth * 1000).round()
            header = Header(frame_id=self.camera_frame)
            self._frame = (image_to_ros(rendered.rgb, "rgb8", header),
                           image_to_ros(depth, self.depth_encoding, header),
                           intrinsics_to_ros(self.world.scene.camera.intrinsics, header))
            self._publish_state()
        stamp = self.get_clock().now().to_msg()
        for publisher, msg in zip((self.rgb_pub, self.depth_pub, self.info_pub), self._frame):
            msg.header.stamp = stamp
            publisher.publish(msg)

    def _publish_state(self):
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self.base_frame)
        msg = SceneState(header=header, held_object=self.world.held_name, plans_executed=self.world.plans_executed)
        for state in self.world.object_states():
            msg.objects.append(ObjectState(
                name=state.name, shape=state.shape, color=state.color,
                pose=pose_stamped(header, state.position, matrix_from_quaternion(*state.quaternion)),
                size=Vector3(x=state.size[0], y=state.size[1], z=state.size[2])))
        self.state_pub.publish(msg)

    def _on_plan(self, msg: Plan):
        rejection = self._rejection(msg)
        if rejection:
            self._publish_execution(msg.command_id, "rejected", f"plan not executed: {rejection}")
            self.report(Status.ERROR, f"plan '{msg.command_id}' not executed: {rejection}")
            return
        with self.lock:
            self.waiting.append(msg)
            ahead = len(self.waiting) - 1 + (self.running is not None)
        self._publish_execution(msg.command_id, "executing", f"accepted, {ahead} plan(s) ahead")

    def _rejection(self, msg: Plan) -> str:
        if self.key is None:
            return f"no gate key to verify it ({self.key_problem})"
        problem = approval_problem(msg, self.verifier, self.get_clock().now().nanoseconds)
        if problem:
            return problem
        guards = self.peers.alive("guard", time.monotonic())
        if len(guards) != 1:
            return f"{len(guards)} guards are running on these topics; exactly one must release plans"
        if msg.approved_by != guards[0].instance_id:
            return f"it was released by '{msg.approved_by[:8]}', not by the running guard"
        if msg.header.frame_id not in (self.base_frame, self.camera_frame):
            return f"it is in unknown frame '{msg.header.frame_id}'"
        return ""

    def _step(self):
        with self.lock:
            if self.running is None and self.waiting:
                self._start(self.waiting.popleft())
            if self.running is None:
                return
            finished = self.running.advance(CONTROL_PERIOD_S * self.speedup)
            if finished or self.running.halted:
                self._finish()
            elif self.running.step_index != self.reported_step:
                self.reported_step = self.running.step_index
                self._publish_execution(self.running_id, "executing", self.running.progress)

    def _start(self, msg: Plan):
        plan = plan_from_ros(msg)
        transform = None if plan.frame_id == self.base_frame else self.base_from_camera
        try:
            self.running, self.running_id, self.reported_step = self.world.start(plan, transform), plan.command_id, -1
        except InputError as exc:
            self._publish_execution(plan.command_id, "rejected", f"plan not executed: {exc}")

    def _finish(self):
        execution, command_id = self.running, self.running_id
        self.running, self._frame = None, None
        if not execution.halted:  # a halt is reported by _on_halt, at once
            self._publish_execution(command_id, "succeeded", "; ".join(execution.log))
            self.report(Status.INFO, f"executed plan '{command_id}': {'; '.join(execution.log)}")
        self._publish_state()

    def _on_halt(self, msg: Command):
        with self.lock:
            halted = []
            if self.running is not None and not self.running.halted:
                self.running.halt(f"'{msg.text[:80]}'")  # the control loop finishes it; no pybullet call here
                self._publish_execution(self.running_id, "halted", self.running.progress)
                halted.append(self.running_id)
            while self.waiting:
                dropped = self.waiting.popleft()
                self._publish_execution(dropped.command_id, "halted", f"dropped before it started: '{msg.text[:80]}'")
                halted.append(dropped.command_id)
        summary = f"stopped plan(s) {', '.join(halted)}" if halted else "stopped; nothing was moving"
        self._publish_execution(msg.id, "succeeded", summary)
        self.report(Status.WARN, f"halt '{msg.id}': {summary}")

    def _publish_execution(self, command_id: str, state: str, message: str):
        msg = ExecutionStatus(command_id=command_id, state=state, message=message[:1000])
        msg.header.stamp = self.get_clock().now().to_msg()
        if self.running is not None and command_id == self.running_id:
            msg.step, msg.total_steps = self.running.step_index, self.running.total_steps
        self.execution_pub.publish(msg)


def main(args=None):
    run(SimNode, args)


if __name__ == "__main__":
    main()
