"""The voice node is lifecycle-managed: configure loads the recogniser (a missing model leaves it
unconfigured, saying why), activate starts listening, deactivate stops the listener thread."""
import pytest
from ros_helpers import rclpy  # noqa: F401  (ROS environment for the node)
from rclpy.lifecycle import TransitionCallbackReturn
from rclpy.parameter import Parameter

from vlm_agent.ros.voice_node import VoiceNode

pytestmark = pytest.mark.ros


def test_missing_recogniser_model_leaves_the_voice_node_unconfigured(ros, tmp_path):
    node = VoiceNode(parameter_overrides=[Parameter("model_path", value=str(tmp_path / "no_model")),
                                          Parameter("audit_log", value=str(tmp_path / "voice.jsonl"))])
    try:
        assert node.trigger_configure() == TransitionCallbackReturn.FAILURE
        assert node.lifecycle_state == "unconfigured" and node.listener is None
        assert node.not_ready_detail.startswith("configure failed")
    finally:
        node.destroy_node()


def test_activate_starts_and_deactivate_stops_listening(ros, tmp_path):
    node = VoiceNode(parameter_overrides=[Parameter("audit_log", value=str(tmp_path / "voice.jsonl"))])
    try:
        assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS, node.not_ready_detail
        assert node.listener is not None and node._worker is None
        assert node.trigger_activate() == TransitionCallbackReturn.SUCCESS, node.not_ready_detail
        assert node._worker.is_alive() and node.ready
        worker = node._worker
        assert node.trigger_deactivate() == TransitionCallbackReturn.SUCCESS
        assert not worker.is_alive() and node._worker is None and not node.ready
        assert node.trigger_cleanup() == TransitionCallbackReturn.SUCCESS
        assert node.listener is None and node.lifecycle_state == "unconfigured"
    finally:
        node.destroy_node()
