"""Grounding node: approved commands + latest RGB-D frame -> GroundingResult, markers, annotated image."""
from __future__ import annotations

import numpy as np
from geometry_msgs.msg import PoseStamped
from sensor_msgs.msg import Image
from std_srvs.srv import Trigger
from std_msgs.msg import Header
from visualization_msgs.msg import MarkerArray

from vlm_agent.core.perception.annotate import annotate
from vlm_agent.core.perception.privacy import PeopleRedactor
from vlm_agent.core.backends import BackendSettings, create_backend
from vlm_agent.core.perception.camera import parse_transform
from vlm_agent.core.errors import InputError
from vlm_agent.core.perception.frame import RGBDFrame
from vlm_agent.core.perception.grounding import Grounder
from vlm_agent.core.perception.objects import STATUS_ERROR, GroundingResult
from vlm_agent.core.language.synonyms import SynonymResolver
from vlm_agent.core.safety.signing import ApprovalVerifier
from vlm_agent.core.perception.transforms import pose_change, rigid_transform_problem
from vlm_agent.msg import Command, GroundingResult as GroundingResultMsg, Status

from .common import EVENTS_QOS, LATCHED_QOS, AgentNode, run
from .conversions import (approval_problem, depth_from_ros, sign_message, grounding_to_ros, image_to_ros, intrinsics_from_ros, rgb_from_ros,
                          stamp_ns, transform_from_pose)
from .image_input import RGBDInput
from .people_input import PeopleInput
from .trusted_input import TrustedInput
from .markers import result_markers


RESULT_VALID_NS = 15 * 10**9  # the planner and the guard act on a result within this


class GroundingNode(AgentNode):
    role = "grounding"

    def __init__(self, **node_options):
        super().__init__("grounding", **node_options)
        backend = self.param("backend", "rgbd_geometry", "Grounding backend: rgbd_geometry (embedded default), "
                             "owl (OWL-ViT/OWLv2), grounding_dino, florence2 or qwen2_5_vl (weights in model_path), "
                             "or remote (OpenAI-compatible VLM server).")
        settings = BackendSettings(
            model_path=self.param("model_path", "", "Model backend weights: checkpoint folder, name `vlm-agent models "
                                  "pull` fetched, or repository id in the Hugging Face cache."),
            device=self.param("device", "cpu", "PyTorch device of the model backend: cpu, cuda, cuda:1."),
            runtime=self.param("runtime", "torch", "owl runtime: torch, onnx (ONNX Runtime), tensorrt or triton."),
            onnx_dir=self.param("onnx_dir", "", "Folder with the exported ONNX encoders (runtime onnx or tensorrt)."),
            triton_url=self.param("triton_url", "", "Triton Inference Server serving the exported encoders "
                                  "(runtime triton)."),
            remote_url=self.param("remote_url", "", "OpenAI-compatible server for backend remote, e.g. "
                                  "http://gpu-host:8000/v1 (API key from the VLM_AGENT_API_KEY environment variable)."),
            remote_model=self.param("remote_model", "", "Model name the remote server serves."),
            remote_timeout_s=self.param("remote_timeout_s", 10.0, "Per-request timeout of the remote backend, s."))
        reliability = self.param("image_reliability", "auto",
                                 "auto (match the publishers), reliable or best_effort for image subscriptions.")
        slop = self.param("sync_slop_s", 0.05, "Max stamp difference between RGB and depth of one frame, seconds.")
        self.max_age_s = self.param("max_frame_age_s", 2.0,
                                    "A command is answered only with a frame at most this old (seconds).")
        self.max_future_s = self.param("max_frame_future_s", 0.5, "A frame stamped further than this in the "
                                       "future (clock skew, wrong stamps) is rejected, seconds.")
        self.base_frame = self.param("base_frame", "base_link", "Robot base frame for poses and plans.")
        extrinsics = self.param("base_from_camera", [0.0],
                                "Static camera pose: 16 floats, row-major 4x4 base_from_camera. [0.0] = use the "
                                "camera/pose topic instead.")
        synonyms_model = self.param("synonyms_model_path", "",
                                    "Sentence-embedding model folder for unknown nouns; '' = the bundled MiniLM, "
                                    "'none' = off.")
        self.publish_annotated = self.param("publish_annotated_image", True, "Publish vlm_agent/annotated_image.")
        self.redact_people = PeopleRedactor(self.param("annotated_people", "box", "People in the annotated image: "
                                                       "box (covered, default), blur, or show (opt-in)."))
        self.static_extrinsics = parse_transform(extrinsics) if len(extrinsics) == 16 else None
        self.camera_pose: np.ndarray | None = None
        self.camera_pose_problem = ""
        self.pending_pose: np.ndarray | None = None
        self.max_pose_jump_m = self.param("max_camera_pose_jump_m", 0.05, "A camera/pose further than this from the "
                                          "last accepted one is used only after vlm_agent/confirm_camera_pose, m.")
        self.max_pose_jump_deg = self.param("max_camera_pose_jump_deg", 5.0, "The same for rotation, degrees.")
        self.create_service(Trigger, "vlm_agent/confirm_camera_pose", self._on_confirm_pose)
        synonyms = None if synonyms_model == "none" else SynonymResolver(synonyms_model or None)
        self.grounder, self.unavailable = None, ""
        try:
            if self.static_extrinsics is not None and rigid_transform_problem(self.static_extrinsics):
                raise InputError(f"parameter base_from_camera {rigid_transform_problem(self.static_extrinsics)}")
            self.grounder = Grounder(create_backend(backend, **settings.options_for(backend)), synonyms)
        except Exception as exc:  # missing weights, bad runtime, unknown backend: stay up and say so
            self.unavailable = f"grounding backend '{backend}' is not available: {exc}"
        self.key, key_problem = self.gate_key()
        self.unavailable = self.unavailable or (f"no gate key: {key_problem}" if key_problem else "")
        self.command_verifier = ApprovalVerifier(self.key or b"")
        self.input = RGBDInput(self, reliability, slop, use_depth=True)
        self.pose_input = TrustedInput(self, PoseStamped, "camera/pose", LATCHED_QOS, self._on_camera_pose)
        self.create_timer(1.0, self.pose_input.recheck)
        self.create_subscription(Command, "vlm_agent/command", self._on_command, EVENTS_QOS)
        self.result_pub = self.create_publisher(GroundingResultMsg, "vlm_agent/grounding", EVENTS_QOS)
        self.marker_pub = self.create_publisher(MarkerArray, "vlm_agent/markers", EVENTS_QOS)
        self.annotated_pub = self.create_publisher(Image, "vlm_agent/annotated_image", EVENTS_QOS)
        self.people_input = PeopleInput(self, self.base_frame)
        if self.unavailable:
            self.report(Status.ERROR, f"{self.unavailable}; every command is answered with an error")
        else:
            self.report(Status.INFO, f"grounding ready (backend {backend}, image QoS {reliability})")
        self.start_heartbeat()

    def _on_camera_pose(self, msg: PoseStamped):
        pose = transform_from_pose(msg)
        problem = rigid_transform_problem(pose)
        if problem:  # e.g. a quaternion that is not unit length
            self.camera_pose_problem = f"the pose on camera/pose {problem}"
            self.report(Status.ERROR, f"{self.camera_pose_problem}; frames are rejected until a valid pose arrives")
            return
        if self.camera_pose is not None:
            metres, degrees = pose_change(self.camera_pose, pose)
            if metres > self.max_pose_jump_m or degrees > self.max_pose_jump_deg:
                self.pending_pose = pose
                self.camera_pose_problem = (
                    f"the pose on camera/pose jumped {metres:.2f} m and {degrees:.0f} degrees from the last accepted "
                    f"one (limits {self.max_pose_jump_m} m, {self.max_pose_jump_deg} degrees); frames are not used "
                    "until it is confirmed with the vlm_agent/confirm_camera_pose service (std_srvs/Trigger)")
                self.report(Status.ERROR, self.camera_pose_problem)
                return
        self.camera_pose, self.camera_pose_problem, self.pending_pose = pose, "", None

    def _on_confirm_pose(self, request, response):
        if self.pending_pose is None:
            response.success, response.message = False, "no camera pose is waiting for confirmation"
        else:
            self.camera_pose, self.camera_pose_problem, self.pending_pose = self.pending_pose, "", None
            response.success, response.message = True, "the new camera pose is in use"
            self.report(Status.WARN, "camera pose jump confirmed by a vlm_agent/confirm_camera_pose call")
        return response

    def _on_command(self, command: Command):
        problem = approval_problem(command, self.command_verifier, self.get_clock().now().nanoseconds) \
            if self.key else "no gate key"
        if problem:  # only commands the guard approved are grounded
            self.report(Status.ERROR, f"command '{command.id}' on vlm_agent/command ignored: {problem}")
            return
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id="")
        try:
            if self.grounder is None:
                raise InputError(self.unavailable)
            frame = self._frame()
            header = Header(stamp=self.input.synced.rgb.header.stamp, frame_id=frame.frame_id)
            result = self.grounder.ground(frame, command.text, self.people_input.objects(frame.base_from_camera))
        except InputError as exc:
            result = GroundingResult(STATUS_ERROR, str(exc), command_text=command.text)
        except Exception as exc:  # the node stays up and says what went wrong
            result = GroundingResult(STATUS_ERROR, f"grounding failed: {exc!r}", command_text=command.text)
        if result.status == STATUS_ERROR:
            self.report(Status.ERROR, f"command '{command.id}': {result.message}")
        self.result_pub.publish(sign_message(grounding_to_ros(result, command.id, header, self.base_frame), self.key,
                                             RESULT_VALID_NS, self.get_clock().now().nanoseconds))
        if result.status == STATUS_ERROR:
            return
        try:
            self.marker_pub.publish(result_markers(result, header))
            if self.publish_annotated:
                self.annotated_pub.publish(image_to_ros(annotate(self.redact_people(frame.rgb), result), "rgb8", header))
        except Exception as exc:  # drawing is a view of the result: it never takes the node down
            self.report(Status.WARN, f"command '{command.id}': markers/annotated image not drawn: {exc!r}")

    def _frame(self) -> RGBDFrame:
        pair = self.input.synced
        if pair is None:
            raise InputError("no synchronised RGB-D frame received yet on camera/color/image_raw and "
                             "camera/depth/image_raw")
        age = (self.get_clock().now().nanoseconds - stamp_ns(pair.rgb.header.stamp)) / 1e9
        if age < -self.max_future_s:
            raise InputError(f"latest RGB-D frame is stamped {-age:.1f} s in the future (max_frame_future_s "
                             f"{self.max_future_s}): are the camera's and this computer's clocks in sync?")
        if age > self.max_age_s:
            raise InputError(f"latest RGB-D frame is {age:.1f} s old (max_frame_age_s {self.max_age_s})")
        if self.input.latest_info is None:
            raise InputError("no CameraInfo received on camera/color/camera_info")
        if self.static_extrinsics is None and self.pose_input.problem not in ("", "no message yet"):
            raise InputError(f"camera pose not trusted: {self.pose_input.problem}")
        if self.static_extrinsics is None and self.camera_pose_problem:
            raise InputError(self.camera_pose_problem)
        rgb = rgb_from_ros(pair.rgb)
        depth = depth_from_ros(pair.depth)
        extrinsics = self.static_extrinsics if self.static_extrinsics is not None else self.camera_pose
        return RGBDFrame(rgb, depth, intrinsics_from_ros(self.input.latest_info), extrinsics,
                         frame_id=pair.rgb.header.frame_id or "camera_color_optical_frame",
                         base_frame_id=self.base_frame, stamp_ns=stamp_ns(pair.rgb.header.stamp),
                         key=(stamp_ns(pair.rgb.header.stamp), id(pair.rgb), id(pair.depth)))


def main(args=None):
    run(GroundingNode, args)


if __name__ == "__main__":
    main()
