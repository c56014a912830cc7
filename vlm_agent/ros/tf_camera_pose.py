"""The camera pose from TF (grounding parameter camera_pose_source: tf): base_frame <- the image's
optical frame, looked up at the image's stamp. tf2_ros is imported only when this is used, so
installs without it (pip wheels) still run with camera_pose_source: topic or base_from_camera."""
from __future__ import annotations

import numpy as np
from rclpy.duration import Duration
from rclpy.time import Time

from vlm_agent.core.errors import InputError

from .conversions import transform_from_tf


class TfCameraPose:
    def __init__(self, node, base_frame: str, timeout_s: float = 0.0, buffer=None):
        """`buffer`: any object with tf2_ros.Buffer's lookup_transform (tests pass their own). The
        lookup does not wait (timeout 0): the listener fills the buffer from this node's executor."""
        self.base_frame, self.timeout = base_frame, Duration(seconds=timeout_s)
        if buffer is None:
            try:
                import tf2_ros
            except ImportError as exc:
                raise InputError("camera_pose_source is 'tf' but tf2_ros is not importable here (install "
                                 "ros-<distro>-tf2-ros, or publish the pose on camera/pose with "
                                 "camera_pose_source: topic, or set base_from_camera)") from exc
            buffer = tf2_ros.Buffer()
            self.listener = tf2_ros.TransformListener(buffer, node)
        self.buffer = buffer

    def base_from_camera(self, camera_frame: str, stamp_ns: int) -> np.ndarray:
        """The 4x4 transform at the image's time; InputError naming both frames when TF has none."""
        try:
            msg = self.buffer.lookup_transform(self.base_frame, camera_frame, Time(nanoseconds=stamp_ns),
                                               timeout=self.timeout)
        except Exception as exc:  # tf2's LookupException, ExtrapolationException, ...: say which frames
            raise InputError(f"no TF transform {self.base_frame} <- {camera_frame} at the image's time "
                             f"({type(exc).__name__}: {exc})") from exc
        return transform_from_tf(msg)
