"""Simulator node: a pybullet tabletop publishing RGB-D + CameraInfo + camera pose + ground truth,
and the graph's executor (PlanExecutorNode): approved plans move its kinematic gripper over time.
With `tasks` it also serves the ExecuteTask action and the Ground service on its world (sim_tasks.py).
With `publish_clock` it is the graph's time source: /clock moves with its control loop (core/sim/clock.py).
Every use of the world holds self.lock: the action runs in threads of its own."""
from __future__ import annotations

import threading

import numpy as np
import rclpy
from rclpy.clock import Clock, ClockType
from rclpy.executors import MultiThreadedExecutor
from rclpy.parameter import Parameter
from rclpy.qos import QoSProfile
from rosgraph_msgs.msg import Clock as ClockMsg
from geometry_msgs.msg import PoseArray, PoseStamped, Vector3
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from vlm_agent.core.backends import create_backend
from vlm_agent.core.perception.grounding import Grounder
from vlm_agent.core.safety.guard import CommandGuard, load_guard_config
from vlm_agent.core.sim.clock import SimClock
from vlm_agent.core.sim.scene import load_scene
from vlm_agent.core.sim.world import TabletopWorld
from vlm_agent.core.tasks.agent import TaskAgent
from vlm_agent.msg import ObjectState, SceneState, Status

from .common import LATCHED_QOS, run, sensor_qos
from .conversions import (image_to_ros, intrinsics_to_ros, matrix_from_quaternion, points_to_pose_array, pose_stamped,
                          time_to_ros)
from vlm_agent.core.settings.nodes import SimSettings

from .executor import CONTROL_PERIOD_S, PlanExecutorNode
from .sim_tasks import GraphSimExecutor
from .task_server import TaskServer


class SimNode(PlanExecutorNode):
    settings_class = SimSettings

    def __init__(self, **node_options):
        super().__init__("sim", **node_options)
        s = self.settings
        scene, rate, reliability = s.scene, s.publish_rate, s.image_reliability
        self.depth_encoding, self.camera_frame = s.depth_encoding, s.camera_frame
        self.sim_clock = self._start_clock() if s.publish_clock else None
        self.world = TabletopWorld(load_scene(scene), noise=s.depth_noise)
        self.base_from_camera = self.world.scene.camera.base_from_camera()
        qos = sensor_qos(reliability)
        self.rgb_pub = self.create_publisher(Image, "camera/color/image_raw", qos)
        self.depth_pub = self.create_publisher(Image, "camera/depth/image_raw", qos)
        self.info_pub = self.create_publisher(CameraInfo, "camera/color/camera_info", qos)
        self.pose_pub = self.create_publisher(PoseStamped, "camera/pose", LATCHED_QOS)
        self.state_pub = self.create_publisher(SceneState, "sim/scene_state", LATCHED_QOS)
        self.people_pub = self.create_publisher(PoseArray, "sim/people_truth", LATCHED_QOS)  # ground truth
        self._frame = None
        self.pose_pub.publish(pose_stamped(Header(frame_id=self.base_frame), self.base_from_camera[:3, 3],
                                           self.base_from_camera[:3, :3]))
        self._publish_people_truth()
        self.create_subscription(PoseArray, "sim/set_people", self._on_set_people, LATCHED_QOS)
        self._publish_effector()
        self.create_timer(1.0 / rate, self._publish_frame)
        self.tasks = self._task_server() if s.tasks else None
        self.report(Status.INFO, f"sim ready: scene '{self.world.scene.name}' with {len(self.world.body_ids)} objects"
                    + ("; tasks on vlm_agent/execute" if self.tasks else ""))
        self.start_heartbeat()

    def control_clock(self):
        """The steady clock: the simulator is its own time source, so its control loop cannot wait for
        a /clock (and with publish_clock it is what moves /clock)."""
        return Clock(clock_type=ClockType.STEADY_TIME)

    def _start_clock(self) -> SimClock:
        """publish_clock: /clock from 0, and this node's own clock follows it (use_sim_time)."""
        self.clock_pub = self.create_publisher(ClockMsg, "/clock", QoSProfile(depth=1))  # reliable: any reader
        self.set_parameters([Parameter("use_sim_time", value=True)])
        clock = SimClock(CONTROL_PERIOD_S * self.speedup)
        self.clock_pub.publish(ClockMsg(clock=time_to_ros(clock.now_ns)))
        return clock

    def _step(self):
        if self.sim_clock is not None:  # the clock moves with the plans the tick moves
            self.clock_pub.publish(ClockMsg(clock=time_to_ros(self.sim_clock.tick())))
        super()._step()

    def companion_nodes(self) -> list:
        """Other nodes this one runs in its process (its SROS2 enclave): the task server's."""
        return [self.task_host] if self.tasks is not None else []

    def _task_server(self) -> TaskServer:
        """On a node of its own (sim_tasks) spun by a multi-threaded executor in a thread of its own:
        a task runs for long, and this node keeps its single-threaded executor (destroying and
        re-creating subscriptions, as TrustedInput does, is not safe on a multi-threaded one)."""
        guard = CommandGuard(load_guard_config(embedding=self.settings.task_guard_embedding))
        agent = TaskAgent(GraphSimExecutor(self), guard, Grounder(create_backend("rgbd_geometry")))
        sim_time = Parameter("use_sim_time", value=self.get_parameter("use_sim_time").value)  # on this node's clock
        self.task_host = rclpy.create_node(f"{self.get_name()}_tasks", namespace=self.get_namespace(),
                                           parameter_overrides=[sim_time])
        self.task_executor = MultiThreadedExecutor(num_threads=2)
        self.task_executor.add_node(self.task_host)
        threading.Thread(target=self.task_executor.spin, name="sim-tasks", daemon=True).start()
        return TaskServer(self.task_host, agent, self.base_frame, self.settings.task_audit_log, self.report)

    def destroy_node(self):
        if self.tasks is not None:
            self.tasks.cancel.set()
            self.task_executor.shutdown(timeout_sec=1.0)
            self.task_host.destroy_node()
        super().destroy_node()

    def _on_set_people(self, msg: PoseArray):
        """Move the simulated people (billboards), in scene order: a test or bench walks them around."""
        if len(msg.poses) != len(self.world.billboards):
            self.report(Status.ERROR, f"sim/set_people has {len(msg.poses)} poses, the scene has "
                        f"{len(self.world.billboards)} people: ignored")
            return
        with self.lock:
            for index, pose in enumerate(msg.poses):
                self.world.move_person(index, pose.position.x, pose.position.y)
            self._frame = None  # render anew
            self._publish_people_truth()

    def start_plan(self, plan):
        with self.lock:
            return self.world.start(plan)

    def end_effector_position(self):
        with self.lock:
            return tuple(float(v) for v in self.world.gripper_position)

    def plan_finished(self, state: str) -> None:
        with self.lock:
            self._frame = None  # the scene changed: render anew
            self._publish_state()

    def _publish_frame(self):
        self.health.saw_input("frames published", self.now_s())
        with self.lock:
            self._frame = self._frame or self._render()
        stamp = self.get_clock().now().to_msg()
        for publisher, msg in zip((self.rgb_pub, self.depth_pub, self.info_pub), self._frame):
            msg.header.stamp = stamp
            publisher.publish(msg)

    def _render(self):
        """Rendered and encoded only after the scene changed; each tick restamps."""
        rendered = self.world.render()
        depth = np.nan_to_num(rendered.depth_m, nan=0.0)  # 0 = no reading
        if self.depth_encoding == "16UC1":
            depth = (depth * 1000).round()
        header = Header(frame_id=self.camera_frame)
        self._publish_state()
        return (image_to_ros(rendered.rgb, "rgb8", header), image_to_ros(depth, self.depth_encoding, header),
                intrinsics_to_ros(self.world.scene.camera.intrinsics, header))

    def _publish_people_truth(self):
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self.base_frame)
        self.people_pub.publish(points_to_pose_array(self.world.people_positions(), header))

    def _publish_state(self):
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self.base_frame)
        msg = SceneState(header=header, held_object=self.world.held_name, plans_executed=self.world.plans_executed)
        for state in self.world.object_states():
            msg.objects.append(ObjectState(
                name=state.name, shape=state.shape, color=state.color,
                pose=pose_stamped(header, state.position, matrix_from_quaternion(*state.quaternion)),
                size=Vector3(x=state.size[0], y=state.size[1], z=state.size[2])))
        self.state_pub.publish(msg)


def main(args=None):
    run(SimNode, args)


if __name__ == "__main__":
    main()
