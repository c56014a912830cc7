"""Camera node: frames from OpenCV (device index, video file, image folder) or a SCENE_DIR
(rgb.png + depth.png + camera.yaml) published as Image + CameraInfo (+ depth and pose)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from geometry_msgs.msg import PoseStamped
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from vlm_agent.core.perception.camera import CameraIntrinsics, load_camera_yaml
from vlm_agent.core.errors import InputError
from vlm_agent.core.perception.scene_dir import read_rgb, read_scene_dir
from vlm_agent.msg import Status

from vlm_agent.core.settings.nodes import CameraSettings

from .common import LATCHED_QOS, AgentNode, run, sensor_qos
from .conversions import image_to_ros, intrinsics_to_ros, pose_stamped

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


class CameraNode(AgentNode):
    settings_class = CameraSettings

    def __init__(self, **node_options):
        super().__init__("camera", **node_options)
        s = self.settings
        source, info_path, rate, reliability = s.source, s.camera_info_path, s.frame_rate, s.image_reliability
        self.frame_id, self.base_frame, self.loop = s.frame_id, s.base_frame, s.loop
        qos = sensor_qos(reliability)
        self.rgb_pub = self.create_publisher(Image, "camera/color/image_raw", qos)
        self.depth_pub = self.create_publisher(Image, "camera/depth/image_raw", qos)
        self.info_pub = self.create_publisher(CameraInfo, "camera/color/camera_info", qos)
        self.pose_pub = self.create_publisher(PoseStamped, "camera/pose", LATCHED_QOS)
        self.scene = None
        self.capture = None
        self.files: list[Path] = []
        self.index = 0
        path = Path(source)
        if (path / "rgb.png").exists():
            self.scene = read_scene_dir(path)
            if self.scene.base_from_camera is not None:
                t = self.scene.base_from_camera
                self.pose_pub.publish(pose_stamped(Header(frame_id=self.base_frame), t[:3, 3], t[:3, :3]))
        elif path.is_dir():
            self.files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not self.files:
                raise InputError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in {path}")
        else:
            self.capture = cv2.VideoCapture(int(source) if source.isdigit() else source)
            if not self.capture.isOpened():
                raise InputError(f"cannot open camera or video '{source}'")
        self.intrinsics = load_camera_yaml(info_path).intrinsics if info_path else None
        has_depth = self.scene is not None and self.scene.depth_m is not None
        self.scene_depth = np.nan_to_num(self.scene.depth_m, nan=0.0) if has_depth else None
        self.create_timer(1.0 / rate, self._tick)
        self.report(Status.INFO, f"camera publishing from {source}")

    def _next_rgb(self) -> np.ndarray | None:
        if self.scene is not None:
            return self.scene.rgb
        if self.files:
            if self.index >= len(self.files):
                if not self.loop:
                    return None
                self.index = 0
            self.index += 1
            return read_rgb(self.files[self.index - 1])
        ok, bgr = self.capture.read()
        if not ok and self.loop:
            self.capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, bgr = self.capture.read()
        return bgr[:, :, ::-1].copy() if ok else None

    def _tick(self):
        try:
            rgb = self._next_rgb()
        except InputError as exc:
            self.report(Status.ERROR, str(exc))
            return
        if rgb is None:
            return
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self.frame_id)
        intrinsics = self.intrinsics or (self.scene.intrinsics if self.scene is not None else None) \
            or _guess_intrinsics(rgb.shape[1], rgb.shape[0])
        self.rgb_pub.publish(image_to_ros(rgb, "rgb8", header))
        self.health.saw_input("frames published", self.now_s())
        self.info_pub.publish(intrinsics_to_ros(intrinsics, header))
        if self.scene_depth is not None:
            self.depth_pub.publish(image_to_ros(self.scene_depth, "32FC1", header))


def _guess_intrinsics(width: int, height: int) -> CameraIntrinsics:
    focal = width / (2 * np.tan(np.radians(30)))
    return CameraIntrinsics(width, height, focal, focal, width / 2, height / 2)


def main(args=None):
    run(CameraNode, args)


if __name__ == "__main__":
    main()
