"""Latest synchronised RGB-D input with a subscription QoS that follows the publishers.

`image_reliability: auto` subscribes RELIABLE when every publisher offers it (measured here:
large images between processes arrive only that way) and BEST_EFFORT as soon as a
best-effort camera driver publishes, so any driver connects. Depth 1: stale frames drop.
"""
from __future__ import annotations

from dataclasses import dataclass

from rclpy.qos import ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, Image

from .common import sensor_qos
from .conversions import stamp_ns


@dataclass(frozen=True)
class FramePair:
    rgb: Image
    depth: Image | None


class RGBDInput:
    def __init__(self, node, reliability: str, sync_slop_s: float, use_depth: bool = True, on_frame=None):
        self.node = node
        self.on_frame = on_frame  # called with each new FramePair (rates and ages for /diagnostics)
        self.requested = reliability
        self.slop_ns = int(sync_slop_s * 1e9)
        self.use_depth = use_depth
        self.latest_rgb: Image | None = None
        self.latest_depth: Image | None = None
        self.latest_info: CameraInfo | None = None
        self.synced: FramePair | None = None
        self.frames_synced = 0
        self._subs: dict[str, tuple[str, object]] = {}
        self.topics = {"rgb": "camera/color/image_raw", "info": "camera/color/camera_info"}
        if use_depth:
            self.topics["depth"] = "camera/depth/image_raw"
        self._update_subscriptions()
        if reliability == "auto":
            node.create_timer(1.0, self._update_subscriptions)

    def _wanted(self, topic: str) -> str:
        if self.requested != "auto":
            return self.requested
        publishers = self.node.get_publishers_info_by_topic(self.node.resolve_topic_name(topic))
        if any(p.qos_profile.reliability == ReliabilityPolicy.BEST_EFFORT for p in publishers):
            return "best_effort"
        return "reliable"

    def _update_subscriptions(self):
        callbacks = {"rgb": self._on_rgb, "depth": self._on_depth, "info": self._on_info}
        types = {"rgb": Image, "depth": Image, "info": CameraInfo}
        for key, topic in self.topics.items():
            wanted = self._wanted(topic)
            current = self._subs.get(key)
            if current and current[0] == wanted:
                continue
            if current:
                self.node.destroy_subscription(current[1])
                self.node.get_logger().info(f"{topic}: switching subscription to {wanted} to match its publishers")
            self._subs[key] = (wanted, self.node.create_subscription(types[key], topic, callbacks[key],
                                                                     sensor_qos(wanted)))

    def _on_info(self, msg: CameraInfo):
        self.latest_info = msg

    def _on_rgb(self, msg: Image):
        self.latest_rgb = msg
        if not self.use_depth:
            self._set_synced(FramePair(msg, None))
        else:
            self._pair()

    def _on_depth(self, msg: Image):
        self.latest_depth = msg
        self._pair()

    def _pair(self):
        """Pair the newest colour and depth images once, if their stamps are within the slop."""
        rgb, depth = self.latest_rgb, self.latest_depth
        if rgb is None or depth is None or not self._close(rgb, depth):
            return
        if self.synced is not None and (self.synced.rgb is rgb or self.synced.depth is depth):
            return  # one of them is already in the current pair; wait for its partner
        self._set_synced(FramePair(rgb, depth))

    def _close(self, a: Image, b: Image) -> bool:
        return abs(stamp_ns(a.header.stamp) - stamp_ns(b.header.stamp)) <= self.slop_ns

    def _set_synced(self, pair: FramePair):
        self.synced = pair
        self.frames_synced += 1
        if self.on_frame is not None:
            self.on_frame(pair)
