"""Simulator node: a pybullet tabletop publishing RGB-D + CameraInfo + camera pose + ground truth,
and the graph's executor (PlanExecutorNode): approved plans move its kinematic gripper over time."""
from __future__ import annotations

import numpy as np
from geometry_msgs.msg import Pose, PoseArray, PoseStamped, Vector3
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from vlm_agent.core.sim.scene import load_scene
from vlm_agent.core.sim.world import TabletopWorld
from vlm_agent.msg import ObjectState, SceneState, Status

from .common import LATCHED_QOS, run, sensor_qos
from .conversions import image_to_ros, intrinsics_to_ros, matrix_from_quaternion, pose_stamped
from .executor import PlanExecutorNode


class SimNode(PlanExecutorNode):
    def __init__(self, **node_options):
        super().__init__("sim", **node_options)
        scene = self.param("scene", "tabletop", "Built-in scene name or path to a scene YAML.")
        rate = self.param("publish_rate", 5.0, "Camera frames per second.")
        self.depth_encoding = self.param("depth_encoding", "32FC1", "32FC1 (metres) or 16UC1 (millimetres).")
        reliability = self.param("image_reliability", "reliable",
                                 "QoS reliability of the image publishers (reliable or best_effort). Reliable "
                                 "was measured to be the only one that delivers 640x480 frames between processes.")
        self.camera_frame = self.param("camera_frame", "camera_color_optical_frame", "Camera optical frame id.")
        if self.depth_encoding not in ("32FC1", "16UC1"):
            raise ValueError(f"depth_encoding must be 32FC1 or 16UC1, got {self.depth_encoding}")
        depth_noise = self.param("depth_noise", "none", "Simulated depth sensor error: none, d435, d455 or zed2, "
                                 "optionally times a factor (d435x2).")
        self.world = TabletopWorld(load_scene(scene), noise=depth_noise)
        self.base_from_camera = self.world.scene.camera.base_from_camera()
        qos = sensor_qos(reliability)
        self.rgb_pub = self.create_publisher(Image, "camera/color/image_raw", qos)
        self.depth_pub = self.create_publisher(Image, "camera/depth/image_raw", qos)
        self.info_pub = self.create_publisher(CameraInfo, "camera/color/camera_info", qos)
        self.pose_pub = self.create_publisher(PoseStamped, "camera/pose", LATCHED_QOS)
        self.state_pub = self.create_publisher(SceneState, "sim/scene_state", LATCHED_QOS)
        self.people_pub = self.create_publisher(PoseArray, "people", LATCHED_QOS)
        self._frame = None
        self.pose_pub.publish(pose_stamped(Header(frame_id=self.base_frame), self.base_from_camera[:3, 3],
                                           self.base_from_camera[:3, :3]))
        people = PoseArray(header=Header(frame_id=self.base_frame))
        for x, y in self.world.scene.people:
            pose = Pose()
            pose.position.x, pose.position.y, pose.position.z = float(x), float(y), 0.0
            people.poses.append(pose)
        self.people_pub.publish(people)
        self._publish_effector()
        self.create_timer(1.0 / rate, self._publish_frame)
        self.report(Status.INFO, f"sim ready: scene '{self.world.scene.name}' with {len(self.world.body_ids)} objects")
        self.start_heartbeat()

    def start_plan(self, plan):
        return self.world.start(plan)

    def end_effector_position(self):
        return tuple(float(v) for v in self.world.gripper_position)

    def plan_finished(self, state: str) -> None:
        self._frame = None  # the scene changed: render anew
        self._publish_state()

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


def main(args=None):
    run(SimNode, args)


if __name__ == "__main__":
    main()
