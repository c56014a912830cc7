"""Gazebo executor: runs approved plans in a gz sim world kinematically, as the built-in simulator
does. It keeps the scene's objects in a KinematicWorld (core/sim/kinematic.py) and sends every pose
change to gz sim's set_pose service (UserCommands system), bridged by ros_gz_bridge as
ros_gz_interfaces/srv/SetEntityPose. The service is `gazebo/set_pose`, remapped by
launch/gazebo.launch.py to /world/<world>/set_pose. Everything else (approval checks, limits,
halt, execution reports) is PlanExecutorNode's.

It does not read poses back from gz: an object that physics moves on its own (falls, is knocked)
is still where this node last put it.
"""
from __future__ import annotations

import numpy as np

from vlm_agent.core.errors import InputError
from vlm_agent.core.sim.kinematic import KinematicWorld
from vlm_agent.core.settings.nodes import GazeboExecutorSettings
from vlm_agent.core.sim.scene import load_scene
from vlm_agent.msg import Status

from .common import run
from .executor import PlanExecutorNode

SET_POSE_SERVICE = "gazebo/set_pose"
ENTITY_MODEL = 2  # ros_gz_interfaces/msg/Entity MODEL


def load_set_pose_type():
    """ros_gz_interfaces/srv/SetEntityPose, or None where ros_gz is not installed."""
    try:
        from ros_gz_interfaces.srv import SetEntityPose
    except ImportError:
        return None
    return SetEntityPose


def set_pose_request(request, name: str, position, quaternion_xyzw):
    """Fill a SetEntityPose request: the model `name` to `position`, `quaternion_xyzw`."""
    request.entity.name, request.entity.type = name, ENTITY_MODEL
    p, q = request.pose.position, request.pose.orientation
    p.x, p.y, p.z = (float(v) for v in position)
    q.x, q.y, q.z, q.w = (float(v) for v in quaternion_xyzw)
    return request


class GazeboExecutorNode(PlanExecutorNode):
    settings_class = GazeboExecutorSettings

    def __init__(self, service_type=None, **node_options):
        super().__init__("gazebo_executor", **node_options)
        self.world_name = self.settings.world_name
        self.world = KinematicWorld(load_scene(self.settings.scene), self._send_pose)
        self.service_type = service_type or load_set_pose_type()
        self.client = None
        if self.service_type is None:
            self.ready, self.not_ready_detail = False, "ros_gz_interfaces is not installed"
            self.report(Status.ERROR, "ros_gz_interfaces is not installed (apt install ros-$ROS_DISTRO-ros-gz): "
                        "no plan can be executed in Gazebo")
        else:
            self.client = self.create_client(self.service_type, SET_POSE_SERVICE)
            self.report(Status.INFO, f"gazebo executor ready: world '{self.world_name}', "
                        f"{len(self.world.objects)} objects")
        self.start_heartbeat()

    def start_plan(self, plan):
        if self.client is None:
            raise InputError(f"the Gazebo executor cannot move anything: {self.not_ready_detail}")
        if not self.client.service_is_ready():
            raise InputError(f"gz set_pose service '{self.resolve_service_name(SET_POSE_SERVICE)}' is not available: "
                             "is gz sim running with the UserCommands system, and the service bridged?")
        return self.world.start(plan)

    def end_effector_position(self):
        return tuple(float(v) for v in self.world.gripper_position)

    def _send_pose(self, name: str, position: np.ndarray, quaternion: np.ndarray) -> None:
        request = set_pose_request(self.service_type.Request(), name, position, quaternion)
        self.client.call_async(request).add_done_callback(lambda future: self._check_reply(name, future))

    def _check_reply(self, name: str, future) -> None:
        reply = future.result() if future.exception() is None else None
        if reply is not None and reply.success:
            return
        reason = f"gz set_pose for '{name}' failed" + (f": {future.exception()!r}" if future.exception() else "")
        self.report(Status.ERROR, reason)
        with self.lock:
            if self.running is not None:  # what gz shows no longer matches the plan: stop
                self.running.halt(reason)
                self._publish_execution(self.running_id, "halted", self.running.progress)


def main(args=None):
    run(GazeboExecutorNode, args)


if __name__ == "__main__":
    main()
