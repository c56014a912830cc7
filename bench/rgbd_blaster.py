"""Publish the built-in scene's RGB-D frames as fast as possible for a while (benchmark helper)."""
import sys
import time

import numpy as np
import rclpy
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from vlm_agent.core.sim.scene import load_scene
from vlm_agent.core.sim.world import TabletopWorld
from vlm_agent.launcher import use_project_dds_profile
from vlm_agent.ros.common import sensor_qos
from vlm_agent.ros.conversions import image_to_ros, intrinsics_to_ros


def main(seconds: float, reliability: str):
    use_project_dds_profile()
    scene = load_scene("tabletop")
    frame = TabletopWorld(scene).render()
    depth = np.nan_to_num(frame.depth_m)
    rclpy.init()
    node = rclpy.create_node("rgbd_blaster")
    qos = sensor_qos(reliability)
    pubs = [node.create_publisher(t, topic, qos) for t, topic in (
        (Image, "camera/color/image_raw"), (Image, "camera/depth/image_raw"), (CameraInfo, "camera/color/camera_info"))]
    deadline = time.monotonic() + 30
    while any(p.get_subscription_count() == 0 for p in pubs) and time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.05)
    sent, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        header = Header(stamp=node.get_clock().now().to_msg(), frame_id="camera_color_optical_frame")
        pubs[2].publish(intrinsics_to_ros(scene.camera.intrinsics, header))
        pubs[0].publish(image_to_ros(frame.rgb, "rgb8", header))
        pubs[1].publish(image_to_ros(depth, "32FC1", header))
        sent += 1
    print(f"SENT {sent} {time.monotonic() - start:.3f}", flush=True)
    node.destroy_node()
    rclpy.try_shutdown()


if __name__ == "__main__":
    main(float(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "reliable")
