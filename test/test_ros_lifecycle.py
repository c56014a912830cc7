"""Lifecycle, parameters, /diagnostics and sim time over real DDS: transitions through the
nodes' lifecycle services, the lifecycle manager's bring-up, `ros2 param set` validation through
the parameter services, diagnostics under normal input and with the camera stopped, and a
/clock that jumps backwards."""
import numpy as np
import pytest
from ros_helpers import bring_up, rclpy, spin_until
from diagnostic_msgs.msg import DiagnosticArray
from lifecycle_msgs.msg import Transition
from lifecycle_msgs.srv import ChangeState, GetState
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from rclpy.parameter_client import AsyncParameterClient
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from vlm_agent.core.safety.signing import load_or_create_key
from vlm_agent.msg import Command, GroundingResult, Heartbeat, Status
from vlm_agent.ros.common import EVENTS_QOS, HEARTBEAT_QOS, LATCHED_QOS, sensor_qos
from vlm_agent.ros.conversions import image_to_ros, intrinsics_to_ros, sign_message, stamp_ns, time_to_ros

pytestmark = pytest.mark.ros


class Harness:
    """A test node next to the nodes under test, all spun by one executor."""

    def __init__(self, *nodes):
        self.node = rclpy.create_node("lifecycle_tester")
        self.executor = SingleThreadedExecutor()
        for n in (*nodes, self.node):
            self.executor.add_node(n)
        self.nodes = nodes
        self.diagnostics, self.results, self.statuses, self.beats = {}, {}, [], {}
        t = self.node
        t.create_subscription(DiagnosticArray, "/diagnostics", self._on_diagnostics, 50)
        t.create_subscription(GroundingResult, "vlm_agent/grounding", lambda m: self.results.__setitem__(
            m.command_id, m), EVENTS_QOS)
        t.create_subscription(Status, "vlm_agent/status", self.statuses.append, LATCHED_QOS)
        t.create_subscription(Heartbeat, "vlm_agent/heartbeat", lambda m: self.beats.__setitem__(m.role, m),
                              HEARTBEAT_QOS)
        self.pubs = {"rgb": t.create_publisher(Image, "camera/color/image_raw", sensor_qos("reliable")),
                     "depth": t.create_publisher(Image, "camera/depth/image_raw", sensor_qos("reliable")),
                     "info": t.create_publisher(CameraInfo, "camera/color/camera_info", sensor_qos("reliable")),
                     "command": t.create_publisher(Command, "vlm_agent/command", EVENTS_QOS),
                     "clock": t.create_publisher(Clock, "/clock", 10)}

    def _on_diagnostics(self, msg):
        for status in msg.status:
            self.diagnostics[status.name] = status

    def wait(self, condition, timeout=20.0):
        assert spin_until(self.executor, condition, timeout)

    def call(self, client, request):
        self.wait(client.service_is_ready)
        future = client.call_async(request)
        self.wait(future.done)
        return future.result()

    def lifecycle(self, name):
        get = self.node.create_client(GetState, f"{name}/get_state")
        change = self.node.create_client(ChangeState, f"{name}/change_state")
        state = lambda: self.call(get, GetState.Request()).current_state.label  # noqa: E731
        transition = lambda t: self.call(change, ChangeState.Request(transition=Transition(id=t))).success  # noqa
        return state, transition

    def diagnostic(self, node, condition=lambda s: True, timeout=20.0):
        name = f"vlm_agent {node}"
        self.wait(lambda: name in self.diagnostics and condition(self.diagnostics[name]), timeout)
        status = self.diagnostics[name]
        return status, {kv.key: kv.value for kv in status.values}

    def send_frame(self, frame, stamp_ns=None):
        header = Header(stamp=time_to_ros(stamp_ns) if stamp_ns is not None else self.node.get_clock().now().to_msg(),
                        frame_id="camera_color_optical_frame")
        self.pubs["info"].publish(intrinsics_to_ros(frame.intrinsics, header))
        self.pubs["rgb"].publish(image_to_ros(frame.rgb, "rgb8", header))
        self.pubs["depth"].publish(image_to_ros(np.nan_to_num(frame.depth_m).astype(np.float32), "32FC1", header))

    def ask(self, command_id, now_ns, text="pick up the red cube"):
        self.pubs["command"].publish(sign_message(Command(id=command_id, text=text), load_or_create_key(),
                                                  10 * 10**9, now_ns))
        self.wait(lambda: command_id in self.results)
        return self.results[command_id]

    def close(self):
        self.executor.shutdown()
        for n in self.nodes:
            n.destroy_node()
        self.node.destroy_node()


def _grounding(**params):
    from vlm_agent.ros.grounding_node import GroundingNode
    params.setdefault("synonyms_model_path", "none")
    return GroundingNode(parameter_overrides=[Parameter(k, value=v) for k, v in params.items()])


def _wall_ns():
    import time
    return time.time_ns()


@pytest.mark.slow
def test_transitions_through_the_lifecycle_services(ros, tabletop):
    node = _grounding()
    t = Harness(node)
    state, transition = t.lifecycle("grounding")
    assert state() == "unconfigured"
    t.wait(lambda: "grounding" in t.beats and not t.beats["grounding"].ready)
    assert transition(Transition.TRANSITION_CONFIGURE) and state() == "inactive"
    assert node.grounder is not None  # configure loaded the backend
    t.wait(lambda: t.pubs["command"].get_subscription_count() > 0)
    t.send_frame(tabletop[2])
    t.wait(lambda: node.input.synced is not None)
    t.pubs["command"].publish(sign_message(Command(id="inactive", text="pick up the red cube"),
                                           load_or_create_key(), 10**10, _wall_ns()))
    t.wait(lambda: any("'inactive' ignored: grounding is inactive" in s.message for s in t.statuses))
    assert "inactive" not in t.results  # the node said it ignored it: nothing was grounded
    assert transition(Transition.TRANSITION_ACTIVATE) and state() == "active"
    t.wait(lambda: t.beats["grounding"].ready)
    t.send_frame(tabletop[2])
    result = t.ask("active", _wall_ns())
    assert result.status == "ok" and result.header.frame_id == "camera_color_optical_frame"
    assert transition(Transition.TRANSITION_DEACTIVATE) and state() == "inactive"
    assert node.grounder is None  # the model is freed
    t.wait(lambda: not t.beats["grounding"].ready)
    assert transition(Transition.TRANSITION_ACTIVATE) and node.grounder is not None  # loaded again
    assert transition(Transition.TRANSITION_DEACTIVATE) and transition(Transition.TRANSITION_CLEANUP)
    assert state() == "unconfigured" and not list(node.subscriptions)  # cleanup released its subscriptions
    assert transition(Transition.TRANSITION_UNCONFIGURED_SHUTDOWN) and state() == "finalized"
    t.close()


def test_a_failed_configure_leaves_the_node_unconfigured_with_the_reason(ros):
    node = _grounding(base_from_camera=[1.0] * 16)  # not a rigid transform
    t = Harness(node)
    state, transition = t.lifecycle("grounding")
    assert not transition(Transition.TRANSITION_CONFIGURE) and state() == "unconfigured"
    status, values = t.diagnostic("grounding", lambda s: s.level == b"\x02")
    assert "configure failed: parameter base_from_camera" in status.message and values["state"] == "unconfigured"
    t.close()


def test_the_lifecycle_manager_configures_then_activates_in_order_through_their_services(ros):
    from vlm_agent.ros.lifecycle_manager import LifecycleManagerNode
    from vlm_agent.ros.planner_node import PlannerNode
    planner, grounding = PlannerNode(), _grounding()
    manager = LifecycleManagerNode(parameter_overrides=[Parameter("node_names", value=["grounding", "planner"])])
    t = Harness(planner, grounding, manager)
    t.wait(lambda: manager.phase == "active", 60)
    assert planner.lifecycle_state == grounding.lifecycle_state == "active"
    managed = ("/grounding", "/planner")
    configured = [s.node for s in t.statuses if s.node in managed and s.message.endswith(" configured")]
    active = [s.node for s in t.statuses if s.node in managed and s.message.endswith(" active")]
    assert sorted(configured) == ["/grounding", "/planner"] and active == ["/grounding", "/planner"]
    assert t.call(t.node.create_client(__import__("std_srvs.srv", fromlist=["Trigger"]).Trigger,
                                       "lifecycle_manager/shutdown"), __import__("std_srvs.srv", fromlist=[
                                           "Trigger"]).Trigger.Request()).success
    t.wait(lambda: manager.phase == "unconfigured", 30)
    assert planner.lifecycle_state == grounding.lifecycle_state == "unconfigured"
    t.close()


def _drop_first_answers(node, service_names):
    """The node's first answer on each service is lost, as rmw_fastrtps drops an answer whose
    client's response reader is not matched yet ("client will not receive response")."""
    lost = []
    for service in node.services:
        if service.srv_name.rsplit("/", 1)[-1] in service_names:
            send, dropped = service.send_response, []

            def send_response(response, header, send=send, dropped=dropped, name=service.srv_name):
                if not dropped:
                    dropped.append(header)
                    lost.append(name)
                    return
                send(response, header)
            service.send_response = send_response
    return lost


def test_the_lifecycle_manager_brings_nodes_up_when_their_answers_are_lost(ros):
    from vlm_agent.ros.lifecycle_manager import LifecycleManagerNode
    from vlm_agent.ros.planner_node import PlannerNode
    planner = PlannerNode()
    lost = _drop_first_answers(planner, {"get_state", "change_state"})
    manager = LifecycleManagerNode(parameter_overrides=[Parameter("node_names", value=["planner"])])
    t = Harness(planner, manager)
    t.wait(lambda: manager.phase == "active", 30)  # its transition timeout is 600 s
    assert planner.lifecycle_state == "active" and sorted(lost) == ["/planner/change_state", "/planner/get_state"]
    t.close()


def _set(t, node_name, **values):
    client = AsyncParameterClient(t.node, node_name)
    t.wait(lambda: client.wait_for_services(0.01))
    future = client.set_parameters([Parameter(k, value=v) for k, v in values.items()])
    t.wait(future.done)
    return future.result().results


@pytest.mark.slow
def test_parameter_changes_are_validated_at_run_time(ros, tmp_path):
    from vlm_agent.ros.guard_node import GuardNode
    from vlm_agent.ros.planner_node import PlannerNode
    planner = bring_up(PlannerNode())
    guard = bring_up(GuardNode(parameter_overrides=[Parameter("use_embedding_guard", value=False),
                                                    Parameter("audit_log", value=str(tmp_path / "audit.jsonl"))]))
    t = Harness(planner, guard)
    ok, = _set(t, "planner", max_speed=0.1)
    assert ok.successful and planner.config.max_speed == 0.1 and planner.get_parameter("max_speed").value == 0.1
    frame, = _set(t, "planner", base_frame="odom")
    assert not frame.successful and "read when the node is configured" in frame.reason
    assert planner.config.base_frame == "base_link"
    negative, = _set(t, "planner", lift_height=-1.0)
    assert not negative.successful and planner.config.lift_height > 0
    raised, = _set(t, "guard", max_speed=0.9)
    assert not raised.successful and "may only be lowered" in raised.reason and guard.plan_guard.max_speed == 0.5
    lowered, = _set(t, "guard", max_speed=0.3)
    assert lowered.successful and guard.plan_guard.max_speed == 0.3
    closer, = _set(t, "guard", person_clearance=0.1)
    assert not closer.successful and "may only be raised" in closer.reason
    more, = _set(t, "guard", forbidden_labels=["knife", "scissors", "person", "saw"])
    assert more.successful and "saw" in guard.plan_guard.forbidden_labels
    fewer, = _set(t, "guard", forbidden_labels=["saw"])
    assert not fewer.successful and "removing knife, person, scissors refused" in fewer.reason
    wrong_type, = _set(t, "guard", max_commands="many")
    assert not wrong_type.successful
    # a setting read on configure may be set while the node is unconfigured
    assert planner.trigger_deactivate() and planner.trigger_cleanup()
    again, = _set(t, "planner", base_frame="odom")
    assert again.successful
    bring_up(planner)
    assert planner.config.base_frame == "odom"
    t.close()


def _ros2_param_set(t, node_name, name, text):
    """`ros2 param set NODE NAME TEXT`: the value typed from its YAML text as that command does."""
    from rcl_interfaces.msg import Parameter as ParameterMsg
    from rclpy.parameter import get_parameter_value
    client = AsyncParameterClient(t.node, node_name)
    t.wait(lambda: client.wait_for_services(0.01))
    typed = Parameter.from_parameter_msg(ParameterMsg(name=name, value=get_parameter_value(text)))
    future = client.set_parameters([typed])
    t.wait(future.done)
    return future.result().results[0]


def test_vocabulary_and_prompts_change_while_grounding_runs(ros, tabletop):
    node = bring_up(_grounding(max_frame_age_s=600.0))
    t = Harness(node)
    t.wait(lambda: t.pubs["command"].get_subscription_count() > 0)
    t.send_frame(tabletop[2])
    t.wait(lambda: node.input.synced is not None)
    before = t.ask("before", _wall_ns(), "point at the thermos")
    assert before.status == "not_found" and "don't know what a 'thermo' is" in before.message
    assert _ros2_param_set(t, "grounding", "vocabulary_extra", "['thermos=can']").successful
    after = t.ask("after", _wall_ns(), "point at the thermos")
    assert after.status == "ok" and after.target[0].label == "cylinder"
    bad = _ros2_param_set(t, "grounding", "vocabulary_extra", "['thermos=can', 'flask=flaskx']")
    assert not bad.successful and "vocabulary_extra entry 'flask=flaskx': 'flaskx' is not a known" in bad.reason
    assert list(node.get_parameter("vocabulary_extra").value) == ["thermos=can"]
    assert t.ask("kept", _wall_ns(), "point at the thermos").status == "ok"
    template = _ros2_param_set(t, "grounding", "owl_query_template", "a photo")
    assert not template.successful and "owl_query_template must contain {} exactly once" in template.reason
    assert _ros2_param_set(t, "grounding", "owl_query_template", "a close-up photo of a {}").successful
    assert node.settings.owl_query_template == "a close-up photo of a {}"
    backend = _ros2_param_set(t, "grounding", "backend", "owl")
    assert not backend.successful and "backend is read when the node is configured" in backend.reason
    assert _ros2_param_set(t, "grounding", "vocabulary_extra", "[]").successful
    assert t.ask("cleared", _wall_ns(), "point at the thermos").status == "not_found"
    t.close()

def _camera(t, frame, period=0.1):
    return t.node.create_timer(period, lambda: t.send_frame(frame))


@pytest.mark.slow
def test_diagnostics_under_normal_input_and_with_the_camera_stopped(ros, tabletop, tmp_path):
    from vlm_agent.ros.guard_node import GuardNode
    grounding = bring_up(_grounding())
    guard = bring_up(GuardNode(parameter_overrides=[Parameter("use_embedding_guard", value=False),
                                                    Parameter("audit_log", value=str(tmp_path / "audit.jsonl"))]))
    t = Harness(grounding, guard)
    camera = _camera(t, tabletop[2])
    status, values = t.diagnostic("grounding", lambda s: s.level == b"\x00" and any(
        kv.key == "camera rate (Hz)" and float(kv.value) > 3 for kv in s.values))
    assert values["state"] == "active" and values["backend loaded"] == "true" and values["backend"] == "rgbd_geometry"
    assert float(values["camera age (s)"]) < 1.0 and status.hardware_id == "vlm_agent"
    assert t.ask("diag", _wall_ns()).status == "ok"
    _, values = t.diagnostic("grounding", lambda s: any(kv.key.endswith("latency p95 (ms)") for kv in s.values))
    latencies = {k: float(v) for k, v in values.items() if "latency" in k}
    assert len(latencies) >= 2 and all(v >= 0 for v in latencies.values())  # p50 and p95 of each stage
    _, guard_values = t.diagnostic("guard")
    assert guard_values["commands waiting"] == "0" and guard_values["rate limited sources"] == "none"
    assert guard_values["command guard"] == "loaded"
    camera.cancel()  # the camera stops
    status, values = t.diagnostic("grounding", lambda s: s.level == b"\x02", timeout=15)
    assert "camera input" in status.message and "input stopped?" in status.message
    camera = _camera(t, tabletop[2])  # and comes back
    t.diagnostic("grounding", lambda s: s.level == b"\x00", timeout=15)
    camera.cancel()
    guard.trigger_deactivate()
    status, values = t.diagnostic("guard", lambda s: s.message.startswith("inactive"))
    assert status.level == b"\x01" and values["state"] == "inactive"
    t.close()


def test_sim_time_is_the_clock_of_staleness_checks_and_a_jump_back_is_handled(ros, tabletop):
    base_from_camera = [float(v) for v in tabletop[0].camera.base_from_camera().flatten()]
    grounding = _grounding(use_sim_time=True, base_from_camera=base_from_camera)
    t = Harness(grounding)
    start_ns = 1_000 * 10**9
    t.pubs["clock"].publish(Clock(clock=time_to_ros(start_ns)))
    t.wait(lambda: grounding.get_clock().now().nanoseconds == start_ns)
    bring_up(grounding)
    t.wait(lambda: t.pubs["rgb"].get_subscription_count() > 0)
    t.send_frame(tabletop[2], stamp_ns=start_ns - 10**8)
    t.wait(lambda: grounding.input.synced is not None)
    # a frame 0.1 s old in sim time (wall time would call it 56 years old)
    result = t.ask("sim", start_ns)
    assert result.status == "ok"
    # REP 103/105: the result and its poses carry the image's stamp; camera poses its optical frame
    image_stamp = start_ns - 10**8
    assert stamp_ns(result.header.stamp) == image_stamp and result.header.frame_id == "camera_color_optical_frame"
    target = result.target[0]
    assert stamp_ns(target.pose_camera.header.stamp) == stamp_ns(target.pose_base.header.stamp) == image_stamp
    assert target.pose_camera.header.frame_id == "camera_color_optical_frame"
    assert target.pose_base.header.frame_id == "base_link"
    _, values = t.diagnostic("grounding", lambda s: s.level == b"\x00")
    assert 0.0 <= float(values["camera age (s)"]) < 1.0
    back_ns = 500 * 10**9
    t.pubs["clock"].publish(Clock(clock=time_to_ros(back_ns)))  # a bag looped
    t.wait(lambda: any("clock jumped back 500.0 s" in s.message for s in t.statuses))
    answer = t.ask("after-jump", back_ns)
    assert answer.status == "error" and "in the future" in answer.message and "clock jump back" in answer.message
    status, values = t.diagnostic("grounding", lambda s: s.level == b"\x02" and "future" in s.message)
    assert values["clock jumps back"] == "1"
    t.send_frame(tabletop[2], stamp_ns=back_ns)  # the new timeline's frames are used
    t.wait(lambda: grounding.input.synced.rgb.header.stamp.sec == 500)
    assert t.ask("new-timeline", back_ns).status == "ok"
    t.close()
