"""What ros_gz_bridge would publish, over real DDS: every bridged topic is one the agent's nodes
subscribe to with the same type, the executor's set_pose client follows the launch remap, and the
grounding node grounds frames shaped exactly as the bridge delivers gz's rgbd_camera (rgb8, 32FC1
depth with +inf/-inf/NaN where nothing returns, gz frame ids, sim time on /clock)."""
import numpy as np
import pytest
import yaml
from ros_helpers import bring_up, rclpy, signed, spin_until
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from vlm_agent.core.gazebo.export import export_gazebo
from vlm_agent.msg import Command, GroundingResult
from vlm_agent.ros.common import EVENTS_QOS, sensor_qos
from vlm_agent.ros.gazebo_executor_node import SET_POSE_SERVICE, GazeboExecutorNode
from vlm_agent.ros.grounding_node import GroundingNode

pytestmark = pytest.mark.ros
GZ_FRAME = "rgbd_camera/link/rgbd_camera"  # ros_gz_bridge writes gz's rgbd_camera::link::rgbd_camera so
SIM_START = 42  # seconds of sim time on /clock: nowhere near wall time, so a wall-clock node would fail


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("gz") / "world"
    export_gazebo("tabletop", out)
    return out


@pytest.fixture(scope="module")
def graph(world_dir):
    from std_srvs.srv import Trigger  # stands in for ros_gz_interfaces/srv/SetEntityPose (not installable here)
    params = yaml.safe_load((world_dir / "gazebo_params.yaml").read_text())
    with rclpy.init():
        sim_time = Parameter("use_sim_time", value=True)
        grounding = bring_up(GroundingNode(parameter_overrides=[sim_time, Parameter(
            "base_from_camera", value=params["grounding"]["ros__parameters"]["base_from_camera"])]))
        scene = Parameter("scene", value=str(world_dir / "scene.yaml"))
        executor_node = GazeboExecutorNode(
            service_type=Trigger, parameter_overrides=[sim_time, scene],
            cli_args=["--ros-args", "-r", f"{SET_POSE_SERVICE}:=/world/tabletop/set_pose"])
        tester = rclpy.create_node("gz_bridge_standin")
        executor = SingleThreadedExecutor()
        for node in (grounding, executor_node, tester):
            executor.add_node(node)
        yield grounding, executor_node, tester, executor
        executor.shutdown()
        for node in (grounding, executor_node, tester):
            node.destroy_node()


def _subscriptions(tester, node) -> dict[str, list[str]]:
    return dict(tester.get_subscriber_names_and_types_by_node(node.get_name(), node.get_namespace()))


def test_every_bridged_topic_is_subscribed_with_its_type(graph, world_dir):
    grounding, executor_node, tester, executor = graph
    entries = yaml.safe_load((world_dir / "bridge.yaml").read_text())
    for entry in entries:
        topic = "/" + entry["ros_topic_name"].lstrip("/")
        assert spin_until(executor, lambda: any(topic in _subscriptions(tester, n) for n in (grounding, executor_node)),
                          10), f"nobody subscribes to {topic}"
        subscribers = [n for n in (grounding, executor_node) if topic in _subscriptions(tester, n)]
        for node in subscribers:
            assert _subscriptions(tester, node)[topic] == [entry["ros_type_name"]], (node.get_name(), topic)
    clock_users = [n.get_name() for n in (grounding, executor_node) if "/clock" in _subscriptions(tester, n)]
    assert clock_users == ["grounding", "gazebo_executor"]  # use_sim_time: both follow gz's clock


def test_the_set_pose_client_follows_the_launch_remap(graph):
    grounding, executor_node, tester, executor = graph
    clients = dict(tester.get_client_names_and_types_by_node(executor_node.get_name(), executor_node.get_namespace()))
    assert "/world/tabletop/set_pose" in clients and "/gazebo/set_pose" not in clients


def test_the_grounding_node_grounds_frames_shaped_as_the_gz_bridge_sends_them(graph, tabletop):
    grounding, _, tester, executor = graph
    scene, rendered, frame, truth = tabletop
    clock = tester.create_publisher(Clock, "/clock", 10)
    pubs = {name: tester.create_publisher(kind, topic, sensor_qos("reliable")) for name, kind, topic in (
        ("rgb", Image, "camera/color/image_raw"), ("depth", Image, "camera/depth/image_raw"),
        ("info", CameraInfo, "camera/color/camera_info"))}
    command_pub = tester.create_publisher(Command, "vlm_agent/command", EVENTS_QOS)
    results = {}
    tester.create_subscription(GroundingResult, "vlm_agent/grounding", lambda m: results.__setitem__(m.command_id, m),
                               EVENTS_QOS)
    assert spin_until(executor, lambda: all(p.get_subscription_count() > 0 for p in (*pubs.values(), command_pub)))
    stamp = Clock()
    stamp.clock.sec = SIM_START
    assert spin_until(executor, lambda: clock.publish(stamp) or grounding.get_clock().now().nanoseconds >= SIM_START * 1e9)

    header = Header(frame_id=GZ_FRAME)
    header.stamp.sec = SIM_START
    k = frame.intrinsics
    height, width = rendered.depth_m.shape
    depth = rendered.depth_m.astype(np.float32).copy()
    depth[np.isnan(depth)] = np.inf          # gz: beyond the far clip
    depth[:4, :] = -np.inf                   # gz: nearer than the near clip
    depth[-4:, :] = np.nan
    rgb = Image(header=header, height=height, width=width, encoding="rgb8", is_bigendian=0, step=width * 3,
                data=rendered.rgb.tobytes())
    depth_msg = Image(header=header, height=height, width=width, encoding="32FC1", is_bigendian=0, step=width * 4,
                      data=depth.tobytes())
    info = CameraInfo(header=header, height=height, width=width, distortion_model="plumb_bob", d=[0.0] * 5,
                      k=[k.fx, 0.0, k.cx, 0.0, k.fy, k.cy, 0.0, 0.0, 1.0],
                      r=[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
                      p=[k.fx, 0.0, k.cx, 0.0, 0.0, k.fy, k.cy, 0.0, 0.0, 0.0, 1.0, 0.0])
    before = grounding.input.frames_synced
    for name, msg in (("info", info), ("rgb", rgb), ("depth", depth_msg)):
        pubs[name].publish(msg)
    assert spin_until(executor, lambda: grounding.input.frames_synced > before and grounding.input.latest_info)

    # the guard runs on the same sim time (an approval stamped on wall time is refused: different clocks)
    command_pub.publish(signed(Command(id="gz-1", text="pick up the red cube"), now_ns=SIM_START * 10**9))
    assert spin_until(executor, lambda: "gz-1" in results, 30)
    answer = results["gz-1"]
    assert answer.status == "ok", answer.message
    assert answer.header.frame_id == GZ_FRAME and answer.header.stamp.sec == SIM_START
    p = answer.target[0].pose_base.pose.position
    assert np.linalg.norm(np.array([p.x, p.y, p.z]) - truth["red_cube"].position) < 0.02


def test_plans_are_refused_with_the_reason_when_gz_cannot_be_reached(graph):
    from vlm_agent.core.errors import InputError
    from vlm_agent.core.perception.objects import Plan, PlanStep
    plan = Plan("c1", "base_link", (PlanStep("move_to", (0.5, 0.0, 0.2)),))
    _, with_client, _, _ = graph
    with pytest.raises(InputError, match="set_pose service '/world/tabletop/set_pose' is not available"):
        with_client.start_plan(plan)  # no gz sim (no server) on this machine
    without_ros_gz = GazeboExecutorNode()
    try:
        assert not without_ros_gz.ready and without_ros_gz.not_ready_detail == "ros_gz_interfaces is not installed"
        with pytest.raises(InputError, match="cannot move anything: ros_gz_interfaces is not installed"):
            without_ros_gz.start_plan(plan)
    finally:
        without_ros_gz.destroy_node()
