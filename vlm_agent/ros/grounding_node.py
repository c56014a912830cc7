"""Grounding node: approved commands + latest RGB-D frame -> GroundingResult, markers, annotated image."""
from __future__ import annotations

from sensor_msgs.msg import Image
from std_msgs.msg import Header
from visualization_msgs.msg import MarkerArray

from vlm_agent.core.perception.annotate import annotate
from vlm_agent.core.perception.privacy import PeopleRedactor
from vlm_agent.core.backends import create_backend
from vlm_agent.core.backends.checkpoints import free_accelerator_memory
from vlm_agent.core.settings.nodes import CAMERA_FRAME, GroundingSettings
from vlm_agent.core.errors import InputError
from vlm_agent.core.perception.frame import RGBDFrame
from vlm_agent.core.perception.grounding import Grounder
from vlm_agent.core.perception.objects import STATUS_ERROR, GroundingResult
from vlm_agent.core.language.extra_vocabulary import extra_vocabulary
from vlm_agent.core.language.synonyms import SynonymResolver
from vlm_agent.core.safety.signing import ApprovalVerifier
from vlm_agent.msg import Command, GroundingResult as GroundingResultMsg, Status

from .common import EVENTS_QOS, run
from .camera_pose_input import CameraPoseInput
from .lifecycle import ACTIVE, ManagedNode
from .conversions import (approval_problem, depth_from_ros, grounding_to_ros, image_to_ros, intrinsics_from_ros,
                          rgb_from_ros, sign_message, stamp_ns)
from .image_input import RGBDInput
from .people_input import PeopleInput
from .markers import result_markers


RESULT_VALID_NS = 15 * 10**9  # the planner and the guard act on a result within this


class GroundingNode(ManagedNode):
    role = "grounding"
    settings_class = GroundingSettings

    def __init__(self, **node_options):
        super().__init__("grounding", **node_options)
        self.grounder = None

    def configure_node(self):
        s = self.settings
        self.key, key_problem = self.gate_key()
        if key_problem:
            raise InputError(f"no gate key: {key_problem}")
        self.camera = CameraPoseInput(self, s, "vlm_agent/confirm_camera_pose")
        self.synonyms = None if s.synonyms_model_path == "none" else SynonymResolver(s.synonyms_model_path or None)
        self.redact_people = PeopleRedactor(s.annotated_people)
        self._load_backend()
        self.command_verifier = ApprovalVerifier(self.key)
        self.input = RGBDInput(self, s.image_reliability, s.sync_slop_s, use_depth=True, on_frame=self._on_frame)
        self.create_subscription(Command, "vlm_agent/command", self._on_command, EVENTS_QOS)
        self.result_pub = self.create_publisher(GroundingResultMsg, "vlm_agent/grounding", EVENTS_QOS)
        self.marker_pub = self.create_publisher(MarkerArray, "vlm_agent/markers", EVENTS_QOS)
        self.annotated_pub = self.create_publisher(Image, "vlm_agent/annotated_image", EVENTS_QOS)
        self.people_input = PeopleInput(self, s)

    def _load_backend(self):
        s = self.settings
        try:
            backend = create_backend(s.backend, **s.options_for(s.backend))
        except Exception as exc:  # missing weights, bad runtime, unknown backend: configure fails and says so
            raise InputError(f"grounding backend '{s.backend}' is not available: {exc}") from exc
        self.grounder = Grounder(backend, self.synonyms, extra_vocabulary(s.vocabulary_extra))

    def settings_changed(self, names: set[str]):
        if self.grounder is None:  # not loaded: loading reads the settings as they are then
            return
        s = self.settings
        if "vocabulary_extra" in names:
            self.grounder.set_vocabulary(extra_vocabulary(s.vocabulary_extra))
        self.grounder.backend.set_prompts(**s.prompts_for(s.backend))

    def activate_node(self):
        if self.grounder is None:  # freed by deactivate
            self._load_backend()
        self.report(Status.INFO, f"grounding ready (backend {self.settings.backend}, image QoS "
                    f"{self.settings.image_reliability})")

    def deactivate_node(self):
        self.grounder = None  # the model goes with it
        free_accelerator_memory()

    def cleanup_node(self):
        self.grounder = self.synonyms = self.redact_people = None
        free_accelerator_memory()

    def _on_frame(self, pair):
        self.health.saw_input("camera", self.now_s(), stamp_ns(pair.rgb.header.stamp) / 1e9)

    def diagnostic_values(self) -> dict[str, str]:
        return {"backend": self.settings.backend, "backend loaded": str(self.grounder is not None).lower()}

    def findings(self, now: float):
        return [self.camera_finding(now)]

    def _on_command(self, command: Command):
        if self.lifecycle_state != ACTIVE:
            self.report(Status.ERROR, f"command '{command.id}' ignored: grounding is {self.lifecycle_state}")
            return
        problem = approval_problem(command, self.command_verifier, self.get_clock().now().nanoseconds) \
            if self.key else "no gate key"
        if problem:  # only commands the guard approved are grounded
            self.report(Status.ERROR, f"command '{command.id}' on vlm_agent/command ignored: {problem}")
            return
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id="")
        try:
            if self.grounder is None:
                raise InputError("the grounding backend is not loaded")
            frame = self._frame()
            header = Header(stamp=self.input.synced.rgb.header.stamp, frame_id=frame.frame_id)
            result = self.grounder.ground(frame, command.text, self.people_input.objects(frame.base_from_camera))
            for stage, ms in result.stage_latency_ms.items():
                self.health.latency(stage, ms)
        except InputError as exc:
            result = GroundingResult(STATUS_ERROR, str(exc), command_text=command.text)
        except Exception as exc:  # the node stays up and says what went wrong
            result = GroundingResult(STATUS_ERROR, f"grounding failed: {exc!r}", command_text=command.text)
        if result.status == STATUS_ERROR:
            self.report(Status.ERROR, f"command '{command.id}': {result.message}")
        self.result_pub.publish(sign_message(grounding_to_ros(result, command.id, header, self.settings.base_frame), self.key,
                                             RESULT_VALID_NS, self.get_clock().now().nanoseconds))
        if result.status == STATUS_ERROR:
            return
        try:
            self.marker_pub.publish(result_markers(result, header))
            if self.settings.publish_annotated_image:
                self.annotated_pub.publish(image_to_ros(annotate(self.redact_people(frame.rgb), result), "rgb8",
                                                        header))
        except Exception as exc:  # drawing is a view of the result: it never takes the node down
            self.report(Status.WARN, f"command '{command.id}': markers/annotated image not drawn: {exc!r}")

    def _frame(self) -> RGBDFrame:
        pair = self.input.synced
        if pair is None:
            raise InputError("no synchronised RGB-D frame received yet on camera/color/image_raw and "
                             "camera/depth/image_raw")
        age = (self.get_clock().now().nanoseconds - stamp_ns(pair.rgb.header.stamp)) / 1e9
        s = self.settings
        if age < -s.max_frame_future_s:
            raise InputError(f"latest RGB-D frame is stamped {-age:.1f} s in the future (max_frame_future_s "
                             f"{s.max_frame_future_s}): are the camera's and this computer's clocks in sync, or "
                             "did the clock jump back?")
        if age > s.max_frame_age_s:
            raise InputError(f"latest RGB-D frame is {age:.1f} s old (max_frame_age_s {s.max_frame_age_s})")
        if self.input.latest_info is None:
            raise InputError("no CameraInfo received on camera/color/camera_info")
        frame_id = pair.rgb.header.frame_id or CAMERA_FRAME
        extrinsics = self.camera.base_from_camera(frame_id, stamp_ns(pair.rgb.header.stamp))
        rgb = rgb_from_ros(pair.rgb)
        depth = depth_from_ros(pair.depth)
        return RGBDFrame(rgb, depth, intrinsics_from_ros(self.input.latest_info), extrinsics,
                         frame_id=frame_id,
                         base_frame_id=s.base_frame, stamp_ns=stamp_ns(pair.rgb.header.stamp),
                         key=(stamp_ns(pair.rgb.header.stamp), id(pair.rgb), id(pair.depth)))


def main(args=None):
    run(GroundingNode, args)


if __name__ == "__main__":
    main()
