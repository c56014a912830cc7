"""The people node over real DDS: a real photo of a person in an RGB-D frame -> vlm_agent/People
with a base-frame position and a stable id, plus RViz markers; a photo without people -> empty."""
import numpy as np
import pytest
from ros_helpers import bring_up, rclpy, spin_until
from rclpy.executors import SingleThreadedExecutor
from geometry_msgs.msg import PoseStamped
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header
from visualization_msgs.msg import MarkerArray

from vlm_agent.core.perception.camera import CameraIntrinsics
from vlm_agent.msg import People
from vlm_agent.ros.common import LATCHED_QOS, sensor_qos
from vlm_agent.ros.conversions import image_to_ros, intrinsics_to_ros, pose_stamped
from vlm_agent.ros.common import PEOPLE_QOS
from vlm_agent.ros.people_node import PeopleNode

pytestmark = pytest.mark.ros
skdata = pytest.importorskip("skimage.data")
# optical frame looking along base +x from 1 m up
BASE_FROM_CAMERA = np.array([[0, 0, 1, 0], [-1, 0, 0, 0], [0, -1, 0, 1.0], [0, 0, 0, 1]], float)


def _frame(rgb, person_depth):
    h, w = rgb.shape[:2]
    depth = np.full((h, w), 4.0, np.float32)
    depth[:, w // 8:w - w // 8] = person_depth  # the person's half of the picture is nearer
    return rgb, depth, CameraIntrinsics(w, h, 500.0, 500.0, w / 2, h / 2)


def _run(frames, until, timeout=30.0):
    node = bring_up(PeopleNode())
    tester = rclpy.create_node("people_tester")
    got = {"people": [], "markers": []}
    tester.create_subscription(People, "vlm_agent/people", got["people"].append, PEOPLE_QOS)
    tester.create_subscription(MarkerArray, "vlm_agent/people_markers", got["markers"].append, 10)
    qos = sensor_qos("reliable")
    pubs = [tester.create_publisher(Image, "camera/color/image_raw", qos),
            tester.create_publisher(Image, "camera/depth/image_raw", qos),
            tester.create_publisher(CameraInfo, "camera/color/camera_info", qos)]
    pose_pub = tester.create_publisher(PoseStamped, "camera/pose", LATCHED_QOS)
    pose_pub.publish(pose_stamped(Header(frame_id="base_link"), BASE_FROM_CAMERA[:3, 3], BASE_FROM_CAMERA[:3, :3]))
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    executor.add_node(tester)
    try:
        for index, (rgb, depth, intrinsics) in enumerate(frames):
            before = len(got["people"])
            header = Header(stamp=tester.get_clock().now().to_msg(), frame_id="camera")
            msgs = (image_to_ros(rgb, "rgb8", header), image_to_ros(depth, "32FC1", header),
                    intrinsics_to_ros(intrinsics, header))

            def answered():
                if len(got["people"]) > before:
                    return True
                for publisher, msg in zip(pubs, msgs):  # until the node's subscriptions are matched
                    publisher.publish(msg)
                return False
            assert spin_until(executor, answered, timeout), f"no People for frame {index}"
        assert spin_until(executor, lambda: until(got), timeout)
    finally:
        executor.shutdown()
        node.destroy_node()
        tester.destroy_node()
    return got


def test_person_in_a_real_photo_is_published_with_a_base_frame_position_and_stable_id(ros):
    frame = _frame(skdata.astronaut(), 1.5)
    got = _run([frame, frame], lambda g: g["markers"])
    first, last = got["people"][0], got["people"][-1]
    assert first.header.frame_id == "base_link" and len(first.people) == 1
    person = last.people[0]
    assert person.has_position and person.score >= 0.5
    assert person.centroid.x == pytest.approx(1.5, abs=0.05)       # 1.5 m in front of the camera
    assert person.closest_point.x == pytest.approx(1.5, abs=0.05)
    assert person.id == first.people[0].id
    assert any(m.ns == "vlm_agent/people" for m in got["markers"][-1].markers)


def test_a_photo_without_people_gives_an_empty_message(ros):
    got = _run([_frame(skdata.coffee(), 1.5)], lambda g: True)
    assert got["people"][-1].people == []


def test_missing_person_models_leave_the_people_node_unconfigured(ros, tmp_path):
    from rclpy.lifecycle import TransitionCallbackReturn
    from rclpy.parameter import Parameter
    node = PeopleNode(parameter_overrides=[Parameter("model_dir", value=str(tmp_path))])
    try:
        assert node.trigger_configure() == TransitionCallbackReturn.FAILURE
        assert node.lifecycle_state == "unconfigured" and not node.ready
        assert node.not_ready_detail.startswith("configure failed") and str(tmp_path) in node.not_ready_detail
    finally:
        node.destroy_node()


def test_diagnostics_go_to_error_when_the_camera_stops(ros):
    """A blind detector publishes nothing (consumers fail closed); /diagnostics says why."""
    from diagnostic_msgs.msg import DiagnosticArray
    from rclpy.parameter import Parameter
    node = bring_up(PeopleNode(parameter_overrides=[Parameter("max_frame_age_s", value=1.5)]))
    tester = rclpy.create_node("people_diagnostics_tester")
    latest = {}
    tester.create_subscription(DiagnosticArray, "/diagnostics", lambda m: latest.update(
        {s.name: s for s in m.status}), 50)
    qos = sensor_qos("reliable")
    pubs = [tester.create_publisher(t, topic, qos) for t, topic in (
        (Image, "camera/color/image_raw"), (Image, "camera/depth/image_raw"), (CameraInfo, "camera/color/camera_info"))]
    rgb, depth, intrinsics = _frame(skdata.coffee(), 1.5)

    def send():
        header = Header(stamp=tester.get_clock().now().to_msg(), frame_id="camera")
        for publisher, msg in zip(pubs, (image_to_ros(rgb, "rgb8", header), image_to_ros(depth, "32FC1", header),
                                         intrinsics_to_ros(intrinsics, header))):
            publisher.publish(msg)
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    executor.add_node(tester)

    def status(level, text=""):
        s = latest.get("vlm_agent people")
        return s is not None and s.level == bytes([level]) and text in s.message
    try:
        assert spin_until(executor, lambda: status(2, "no camera input received"), 20)  # active, nothing seen yet
        camera = tester.create_timer(0.2, send)
        assert spin_until(executor, lambda: status(0), 30), latest.get("vlm_agent people")
        values = {kv.key: kv.value for kv in latest["vlm_agent people"].values}
        assert float(values["camera rate (Hz)"]) > 1 and float(values["camera age (s)"]) < 1.0
        camera.cancel()  # the camera stops
        assert spin_until(executor, lambda: status(2, "input stopped?"), 20), latest.get("vlm_agent people")
    finally:
        executor.shutdown()
        node.destroy_node()
        tester.destroy_node()


def test_people_are_placed_only_with_a_camera_pose_it_can_trust(ros):
    """A jump of camera/pose is held until ~/confirm_camera_pose; a second camera/pose publisher
    (forged) stops the people output: the guard and the sim then fail closed."""
    from std_srvs.srv import Trigger
    node = bring_up(PeopleNode())
    tester, intruder = rclpy.create_node("people_pose_tester"), rclpy.create_node("pose_intruder")
    people = []
    tester.create_subscription(People, "vlm_agent/people", people.append, PEOPLE_QOS)
    qos = sensor_qos("reliable")
    pubs = [tester.create_publisher(Image, "camera/color/image_raw", qos),
            tester.create_publisher(Image, "camera/depth/image_raw", qos),
            tester.create_publisher(CameraInfo, "camera/color/camera_info", qos)]
    pose_pub = tester.create_publisher(PoseStamped, "camera/pose", LATCHED_QOS)
    executor = SingleThreadedExecutor()
    for n in (node, tester, intruder):
        executor.add_node(n)
    rgb, depth, intrinsics = _frame(skdata.astronaut(), 1.5)

    def send_frame_until(condition):
        header = Header(stamp=tester.get_clock().now().to_msg(), frame_id="camera")
        msgs = (image_to_ros(rgb, "rgb8", header), image_to_ros(depth, "32FC1", header),
                intrinsics_to_ros(intrinsics, header))

        def done():
            if condition():
                return True
            for publisher, msg in zip(pubs, msgs):
                publisher.publish(msg)
            return False
        assert spin_until(executor, done, 30)

    def placed_at(x):
        return lambda: people and people[-1].people and abs(people[-1].people[0].centroid.x - x) < 0.05

    def publish_pose(dx, publisher=pose_pub):
        publisher.publish(pose_stamped(Header(frame_id="base_link"), BASE_FROM_CAMERA[:3, 3] + (dx, 0, 0),
                                       BASE_FROM_CAMERA[:3, :3]))
    try:
        publish_pose(0.0)
        send_frame_until(placed_at(1.5))
        publish_pose(0.5)  # the camera "moved" half a metre at once
        send_frame_until(lambda: "jumped 0.50 m" in node.last_problem)
        assert "/people/confirm_camera_pose" in node.last_problem
        confirm = tester.create_client(Trigger, "/people/confirm_camera_pose")
        assert spin_until(executor, confirm.service_is_ready)
        answer = confirm.call_async(Trigger.Request())
        assert spin_until(executor, answer.done) and answer.result().success
        send_frame_until(placed_at(2.0))
        forged = intruder.create_publisher(PoseStamped, "camera/pose", LATCHED_QOS)
        publish_pose(0.0, forged)
        count = len(people)
        send_frame_until(lambda: "camera pose not trusted" in node.last_problem)
        assert len(people) == count  # nothing placed with a pose it cannot trust
    finally:
        executor.shutdown()
        for n in (node, tester, intruder):
            n.destroy_node()
