"""People node: each new RGB-D frame -> BlazePose person detection, selfie-segmentation mask,
3D closest point and centroid in the base frame, stable track ids -> vlm_agent/People on
vlm_agent/people (one message per processed frame, empty when nobody is seen: silence means the
detector is down) plus RViz markers on vlm_agent/people_markers."""
from __future__ import annotations

import time

import numpy as np
from std_msgs.msg import Header
from visualization_msgs.msg import MarkerArray

from vlm_agent.core.errors import InputError
from vlm_agent.core.perception.frame import RGBDFrame
from vlm_agent.core.perception.people import PersonDetector
from vlm_agent.core.perception.people_tracking import PeopleTracker
from vlm_agent.core.settings.nodes import CAMERA_FRAME, PeopleSettings
from vlm_agent.msg import People, Status

from .camera_pose_input import CameraPoseInput
from .common import PEOPLE_QOS, run
from .conversions import depth_from_ros, intrinsics_from_ros, people_to_ros, rgb_from_ros, stamp_ns
from .image_input import RGBDInput
from .lifecycle import ACTIVE, ManagedNode
from .people_markers import people_markers


class PeopleNode(ManagedNode):
    role = "people"
    settings_class = PeopleSettings

    def __init__(self, **node_options):
        super().__init__("people", **node_options)
        self.detector = None

    def configure_node(self):
        s = self.settings
        self.base_frame = s.base_frame
        self.camera = CameraPoseInput(self, s, "~/confirm_camera_pose")
        self.detector = PersonDetector(s.model_dir or None, s.min_score, s.use_mask)  # no models: stays unconfigured
        self.tracker = PeopleTracker(max_missed=s.track_max_missed)
        # a lifecycle publisher: an inactive detector publishes nothing, so every consumer fails closed
        self.people_pub = self.create_lifecycle_publisher(People, "vlm_agent/people", PEOPLE_QOS)
        self.marker_pub = self.create_lifecycle_publisher(MarkerArray, "vlm_agent/people_markers", 10)
        self.input = RGBDInput(self, s.image_reliability, s.sync_slop_s, on_frame=self._on_frame)
        self.processed, self.last_problem = 0, ""
        self.last = None  # (rgb pixels, depth pixels, camera pose, People) of the last processed frame
        self.steady_timer(1.0 / s.max_rate, self._process)

    def activate_node(self):
        self.processed = self.input.frames_synced  # frames from before activation are not news
        self.report(Status.INFO, f"people detector ready ({self.detector.model.path.name})")

    def cleanup_node(self):
        self.detector = None

    def _on_frame(self, pair):
        self.health.saw_input("camera", self.now_s(), stamp_ns(pair.rgb.header.stamp) / 1e9)

    def diagnostic_values(self) -> dict[str, str]:
        return {"detector loaded": str(self.detector is not None).lower()}

    def findings(self, now: float):
        return [self.camera_finding(now)]  # a blind detector: consumers fail closed, and /diagnostics says why

    def _process(self):
        pair = self.input.synced
        if self.lifecycle_state != ACTIVE or pair is None or self.input.frames_synced == self.processed:
            return
        self.processed = self.input.frames_synced
        started = time.perf_counter()
        try:  # an untrusted camera pose publishes nothing either: the guard and the sim then fail closed
            pose = self.camera.base_from_camera(pair.rgb.header.frame_id or CAMERA_FRAME,
                                                stamp_ns(pair.rgb.header.stamp))
            if self._republish_if_unchanged(pair, pose):
                return
            info = self.input.latest_info
            frame = RGBDFrame(rgb_from_ros(pair.rgb), depth_from_ros(pair.depth) if pair.depth else None,
                              intrinsics_from_ros(info) if info else None, pose)
            tracked = self.tracker.update(self.detector.observe(frame))
        except (InputError, ValueError) as exc:  # a bad frame: say so, publish nothing (consumers go stale)
            self._problem(f"frame on {self.input.topics['rgb']} not processed: {exc}")
            return
        msg = people_to_ros(tracked, Header(stamp=pair.rgb.header.stamp, frame_id=self.base_frame))
        self.last = (_pixels(pair.rgb), _pixels(pair.depth), pose, msg)
        self.people_pub.publish(msg)
        self.marker_pub.publish(people_markers(msg))
        self.health.latency("detect", (time.perf_counter() - started) * 1000)
        self._problem("")

    def _republish_if_unchanged(self, pair, camera_pose) -> bool:
        """A frame with the very same pixels and camera pose as the last one (a simulator re-sending a
        still scene) gets the same people, restamped, without running the models again."""
        if self.last is None:
            return False
        rgb, depth, pose, msg = self.last
        same = pose is camera_pose and _same(rgb, pair.rgb) and _same(depth, pair.depth)
        if same:
            msg.header.stamp = pair.rgb.header.stamp
            self.people_pub.publish(msg)
        return same

    def _problem(self, problem: str):
        if problem != self.last_problem:
            self.report(Status.WARN if problem else Status.INFO, problem or "people detector processing frames")
            self.last_problem = problem


def _pixels(image):
    """(encoding, size, a copy of the bytes) of an Image, or None."""
    if image is None:
        return None
    return image.encoding, image.width, image.height, np.frombuffer(image.data, np.uint8).copy()


def _same(pixels, image) -> bool:
    if pixels is None or image is None:
        return pixels is None and image is None
    encoding, width, height, data = pixels
    return (encoding, width, height) == (image.encoding, image.width, image.height) and \
        np.array_equal(data, np.frombuffer(image.data, np.uint8))


def main(args=None):
    run(PeopleNode, args)


if __name__ == "__main__":
    main()
