"""Where the camera is, for the grounding and people nodes: a static base_from_camera, TF, or a
camera/pose topic in the base frame from one publisher, whose sudden jumps are held until
confirmed (std_srvs/Trigger on the node's confirm service)."""
from __future__ import annotations

import numpy as np
from geometry_msgs.msg import PoseStamped
from std_srvs.srv import Trigger

from vlm_agent.core.errors import InputError
from vlm_agent.core.perception.camera import parse_transform
from vlm_agent.core.perception.transforms import pose_change, rigid_transform_problem
from vlm_agent.msg import Status

from .common import LATCHED_QOS
from .conversions import transform_from_pose
from .tf_camera_pose import TfCameraPose
from .trusted_input import TrustedInput


class CameraPoseInput:
    def __init__(self, node, settings, confirm_service: str):
        """settings: the node's CameraPoseSettings and base_frame (the jump limits are read when a
        pose arrives)."""
        self.node, self.base_frame = node, settings.base_frame
        self.static = parse_transform(settings.base_from_camera) if len(settings.base_from_camera) == 16 else None
        if self.static is not None and rigid_transform_problem(self.static):
            raise InputError(f"parameter base_from_camera {rigid_transform_problem(self.static)}")
        self.tf_pose = TfCameraPose(node, settings.base_frame) if settings.camera_pose_source == "tf" and \
            self.static is None else None
        self.pose: np.ndarray | None = None
        self.problem = ""
        self.pending: np.ndarray | None = None
        node.create_service(Trigger, confirm_service, self._on_confirm)
        self.confirm_service = node.resolve_service_name(confirm_service)
        self.topic = TrustedInput(node, PoseStamped, "camera/pose", LATCHED_QOS, self._on_pose)
        node.steady_timer(1.0, self.topic.recheck)

    def base_from_camera(self, frame_id: str, stamp_ns: int) -> np.ndarray:
        """The camera pose for a frame, or InputError saying why there is none to trust."""
        if self.tf_pose is not None:
            return self.tf_pose.base_from_camera(frame_id, stamp_ns)
        if self.static is not None:
            return self.static
        if self.topic.problem not in ("", "no message yet"):
            raise InputError(f"camera pose not trusted: {self.topic.problem}")
        if self.problem:
            raise InputError(self.problem)
        return self.pose

    def _on_pose(self, msg: PoseStamped):
        pose = transform_from_pose(msg)
        problem = rigid_transform_problem(pose)
        if msg.header.frame_id != self.base_frame:
            problem = f"is in frame '{msg.header.frame_id}', not the base frame '{self.base_frame}'"
        if problem:  # e.g. a quaternion that is not unit length
            self.problem = f"the pose on camera/pose {problem}"
            self.node.report(Status.ERROR, f"{self.problem}; frames are rejected until a valid pose arrives")
            return
        if self.pose is not None:
            metres, degrees = pose_change(self.pose, pose)
            s = self.node.settings
            limit_m, limit_deg = s.max_camera_pose_jump_m, s.max_camera_pose_jump_deg
            if metres > limit_m or degrees > limit_deg:
                self.pending = pose
                self.problem = (
                    f"the pose on camera/pose jumped {metres:.2f} m and {degrees:.0f} degrees from the last accepted "
                    f"one (limits {limit_m} m, {limit_deg} degrees); frames are not used "
                    f"until it is confirmed with the {self.confirm_service} service (std_srvs/Trigger)")
                self.node.report(Status.ERROR, self.problem)
                return
        self.pose, self.problem, self.pending = pose, "", None

    def _on_confirm(self, request, response):
        if self.pending is None:
            response.success, response.message = False, "no camera pose is waiting for confirmation"
        else:
            self.pose, self.problem, self.pending = self.pending, "", None
            response.success, response.message = True, "the new camera pose is in use"
            self.node.report(Status.WARN, f"camera pose jump confirmed by a {self.confirm_service} call")
        return response
