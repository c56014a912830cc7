"""Messages <-> core types. Every node converts through here and nowhere else."""
from __future__ import annotations

import json
import struct

import numpy as np
from builtin_interfaces.msg import Time
from geometry_msgs.msg import Pose, PoseArray, PoseStamped, Vector3
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from vlm_agent.core.perception.camera import CameraIntrinsics
from vlm_agent.core.perception.image_codec import decode_image, encode_image, to_depth_m, to_rgb
from vlm_agent.core.perception.objects import GroundingResult, Match, Plan, PlanStep, SceneObject, Verdict
from vlm_agent.msg import GroundedObject as GroundedObjectMsg
from vlm_agent.core.safety.signing import ApprovalVerifier, new_nonce, sign
from vlm_agent.core.runtime.supervision import Outcome
from vlm_agent.msg import GroundingResult as GroundingResultMsg
from vlm_agent.msg import Outcome as OutcomeMsg
from vlm_agent.msg import Plan as PlanMsg
from vlm_agent.msg import PlanStep as PlanStepMsg
from vlm_agent.msg import SafetyVerdict
from vlm_agent.action import ExecuteTask
from vlm_agent.core.tasks.steps import StepReport, TaskReport
from vlm_agent.msg import ObjectState as ObjectStateMsg
from vlm_agent.msg import TaskStep as TaskStepMsg


def image_from_ros(msg: Image) -> np.ndarray:
    return decode_image(bytes(msg.data), msg.width, msg.height, msg.encoding, msg.step, bool(msg.is_bigendian))


def rgb_from_ros(msg: Image) -> np.ndarray:
    return to_rgb(image_from_ros(msg), msg.encoding)


def depth_from_ros(msg: Image) -> np.ndarray:
    return to_depth_m(image_from_ros(msg), msg.encoding)


def image_to_ros(array: np.ndarray, encoding: str, header: Header) -> Image:
    data, step = encode_image(array, encoding)
    return Image(header=header, height=array.shape[0], width=array.shape[1], encoding=encoding,
                 is_bigendian=0, step=step, data=data)


def intrinsics_from_ros(msg: CameraInfo) -> CameraIntrinsics:
    return CameraIntrinsics.from_matrix(list(msg.k), msg.width, msg.height)


def intrinsics_to_ros(intrinsics: CameraIntrinsics, header: Header) -> CameraInfo:
    msg = CameraInfo(header=header, width=intrinsics.width, height=intrinsics.height, distortion_model="plumb_bob")
    msg.k = [float(v) for v in intrinsics.matrix.reshape(-1)]
    msg.d = [0.0] * 5
    msg.r = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    msg.p = [intrinsics.fx, 0.0, intrinsics.cx, 0.0, 0.0, intrinsics.fy, intrinsics.cy, 0.0, 0.0, 0.0, 1.0, 0.0]
    return msg


def stamp_ns(stamp: Time) -> int:
    return stamp.sec * 1_000_000_000 + stamp.nanosec


def quaternion_from_matrix(rotation: np.ndarray) -> tuple[float, float, float, float]:
    """(x, y, z, w) of a 3x3 rotation matrix."""
    m = np.asarray(rotation, float)
    trace = np.trace(m)
    if trace > 0:
        s = 2.0 * np.sqrt(trace + 1.0)
        q = ((m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s, 0.25 * s)
    else:
        i = int(np.argmax(np.diag(m)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * np.sqrt(1.0 + m[i, i] - m[j, j] - m[k, k])
        q = [0.0, 0.0, 0.0, (m[k, j] - m[j, k]) / s]
        q[i] = 0.25 * s
        q[j] = (m[j, i] + m[i, j]) / s
        q[k] = (m[k, i] + m[i, k]) / s
    return tuple(float(v) for v in q)


def matrix_from_quaternion(x: float, y: float, z: float, w: float) -> np.ndarray:
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def pose_stamped(header: Header, position, rotation: np.ndarray | None = None, yaw: float | None = None) -> PoseStamped:
    msg = PoseStamped(header=header)
    msg.pose.position.x, msg.pose.position.y, msg.pose.position.z = (float(v) for v in position)
    if rotation is None:
        rotation = _yaw_matrix(yaw or 0.0)
    (msg.pose.orientation.x, msg.pose.orientation.y, msg.pose.orientation.z,
     msg.pose.orientation.w) = quaternion_from_matrix(rotation)
    return msg


def transform_from_pose(msg: PoseStamped) -> np.ndarray:
    o, p = msg.pose.orientation, msg.pose.position
    transform = np.eye(4)
    transform[:3, :3] = matrix_from_quaternion(o.x, o.y, o.z, o.w)
    transform[:3, 3] = (p.x, p.y, p.z)
    return transform


def yaw_from_quaternion(o) -> float:
    """Rotation about z of a geometry_msgs Quaternion (REP 103: counter-clockwise from x)."""
    return float(np.arctan2(2 * (o.w * o.z + o.x * o.y), 1 - 2 * (o.y * o.y + o.z * o.z)))


def point_from_ros(point) -> np.ndarray:
    return np.array([point.x, point.y, point.z])


def points_to_pose_array(points, header: Header) -> PoseArray:
    """Positions (x, y[, z]; z defaults to 0) as a PoseArray, e.g. people on the `people` topic."""
    msg = PoseArray(header=header)
    for point in points:
        pose = Pose()
        x, y, z = (*[float(v) for v in point], 0.0)[:3]
        pose.position.x, pose.position.y, pose.position.z = x, y, z
        msg.poses.append(pose)
    return msg


def points_from_pose_array(msg: PoseArray) -> list[np.ndarray]:
    return [point_from_ros(p.position) for p in msg.poses]


def attributes_from_ros(attributes) -> dict[str, str]:
    """GroundedObject.attributes ('key=value' strings) as a dict; entries without '=' are skipped."""
    return dict(a.split("=", 1) for a in attributes if "=" in a)


def _yaw_matrix(yaw: float) -> np.ndarray:
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


def match_to_ros(match: Match, header: Header, base_frame: str) -> GroundedObjectMsg:
    obj = match.obj
    msg = GroundedObjectMsg(id=obj.id, label=obj.label, matched_phrase=match.phrase, score=float(match.score))
    msg.bbox_xyxy = [float(v) for v in obj.bbox_xyxy]
    if obj.center_camera is not None:
        msg.pose_camera = pose_stamped(header, obj.center_camera, obj.rotation_camera)
    if obj.center_base is not None:
        msg.pose_base = pose_stamped(Header(stamp=header.stamp, frame_id=base_frame), obj.center_base,
                                     yaw=obj.yaw_base)
    if obj.size is not None:
        msg.size = Vector3(x=float(obj.size[0]), y=float(obj.size[1]), z=float(obj.size[2]))
    msg.attributes = obj.attributes()
    return msg


def grounding_to_ros(result: GroundingResult, command_id: str, header: Header, base_frame: str) -> GroundingResultMsg:
    def convert(matches):
        return [match_to_ros(m, header, base_frame) for m in matches if m is not None]
    msg = GroundingResultMsg(header=header, command_id=command_id, command_text=result.command_text,
                             status=result.status, message=result.message, action=result.action,
                             rationale=result.rationale, destination_relation=result.destination_relation)
    msg.target = convert([result.target])
    msg.destination = convert([result.destination])
    msg.references = convert(result.references)
    msg.candidates = convert(result.candidates)
    msg.stage_names = list(result.stage_latency_ms)
    msg.stage_latency_ms = [float(v) for v in result.stage_latency_ms.values()]
    return msg


def match_from_ros(obj: GroundedObjectMsg) -> Match:
    """A grounded object as the planner sees it: base-frame pose (when given), size, score, colour."""
    attributes = attributes_from_ros(obj.attributes)
    base = obj.pose_base.pose.position if obj.pose_base.header.frame_id else None
    extent = point_from_ros(obj.size)
    scene_object = SceneObject(
        id=obj.id, label=obj.label, bbox_xyxy=tuple(obj.bbox_xyxy), color=attributes.get("color", ""),
        shade=attributes.get("shade", ""), center_camera=point_from_ros(obj.pose_camera.pose.position),
        center_base=None if base is None else point_from_ros(base),
        yaw_base=yaw_from_quaternion(obj.pose_base.pose.orientation),
        size=extent if np.any(extent > 0) else None)  # zero: none measured (detector boxes give no 3D extent)
    return Match(scene_object, float(obj.score), obj.matched_phrase)


def grounding_from_ros(msg: GroundingResultMsg) -> GroundingResult:
    """The planner's view of a result: objects with base-frame poses, sizes and scores."""
    return GroundingResult(
        status=msg.status, message=msg.message, action=msg.action, command_text=msg.command_text,
        target=match_from_ros(msg.target[0]) if msg.target else None,
        destination=match_from_ros(msg.destination[0]) if msg.destination else None,
        references=tuple(match_from_ros(o) for o in msg.references),
        candidates=tuple(match_from_ros(o) for o in msg.candidates),
        destination_relation=msg.destination_relation, answer=msg.message, rationale=msg.rationale,
        stage_latency_ms=dict(zip(msg.stage_names, (float(v) for v in msg.stage_latency_ms))))


def plan_to_ros(plan: Plan, header: Header) -> PlanMsg:
    msg = PlanMsg(header=Header(stamp=header.stamp, frame_id=plan.frame_id), command_id=plan.command_id)
    msg.steps = [PlanStepMsg(action=s.action, object_id=s.object_id, gripper=s.gripper, max_speed=float(s.max_speed),
                             target_pose=pose_stamped(msg.header, s.position, yaw=s.yaw),
                             object_label=s.object_label) for s in plan.steps]
    return msg


def plan_from_ros(msg: PlanMsg) -> Plan:
    steps = []
    for s in msg.steps:
        p = s.target_pose.pose.position
        steps.append(PlanStep(s.action, (p.x, p.y, p.z), yaw_from_quaternion(s.target_pose.pose.orientation),
                              s.object_id, s.gripper, s.max_speed, s.object_label))
    return Plan(msg.command_id, msg.header.frame_id, tuple(steps))


def verdict_to_ros(verdict: Verdict, command_id: str, header: Header) -> SafetyVerdict:
    return SafetyVerdict(header=header, command_id=command_id, stage=verdict.stage, allowed=verdict.allowed,
                         category=verdict.category, score=float(verdict.score), reason=verdict.reason)


def verdict_from_ros(msg: SafetyVerdict) -> Verdict:
    return Verdict(msg.allowed, msg.category, float(msg.score), msg.reason, msg.stage)


def outcome_to_ros(outcome: Outcome, header: Header) -> OutcomeMsg:
    return OutcomeMsg(header=header, command_id=outcome.command_id, command_text=outcome.text[:500],
                      status=outcome.status, message=outcome.message, retry_after_s=float(outcome.retry_after_s))


def outcome_from_ros(msg: OutcomeMsg) -> Outcome:
    return Outcome(msg.command_id, msg.status, msg.message, msg.command_text, float(msg.retry_after_s))


def transform_to_pose(transform: np.ndarray, header: Header) -> PoseStamped:
    """A 4x4 rigid transform as the pose of its child frame in header.frame_id."""
    return pose_stamped(header, np.asarray(transform)[:3, 3], rotation=np.asarray(transform)[:3, :3])


def transform_from_tf(msg) -> np.ndarray:
    """geometry_msgs/TransformStamped (what tf2 returns) as a 4x4 parent_from_child matrix."""
    t, r = msg.transform.translation, msg.transform.rotation
    transform = np.eye(4)
    transform[:3, :3] = matrix_from_quaternion(r.x, r.y, r.z, r.w)
    transform[:3, 3] = (t.x, t.y, t.z)
    return transform


def time_to_ros(nanoseconds: int) -> Time:
    return Time(sec=nanoseconds // 1_000_000_000, nanosec=nanoseconds % 1_000_000_000)


def _payload(msg) -> bytes:
    """Canonical bytes of every field but the signature. Not the CDR serialization: its
    alignment padding is uninitialised memory, so the same message serialises differently."""
    fields = _canonical(msg)
    fields.pop("signature")
    return json.dumps([type(msg).__module__, type(msg).__name__, fields], sort_keys=True,
                      separators=(",", ":")).encode()


def _canonical(value, type_name: str = ""):
    if hasattr(value, "get_fields_and_field_types"):
        return {name: _canonical(getattr(value, name), kind) for name, kind in value.get_fields_and_field_types().items()}
    if type_name.startswith("sequence<") or type_name.endswith("]"):
        inner = type_name[len("sequence<"):-1] if type_name.startswith("sequence<") else type_name.split("[")[0]
        return [_canonical(item, inner) for item in value]
    if type_name == "float":  # float32: the sender's double and the receiver's float32 agree after rounding
        return struct.pack("<f", value).hex()
    if type_name == "double":
        return float(value).hex()
    return value


def sign_message(msg, key: bytes, valid_for_ns: int, now_ns: int):
    """Stamp an approval on a Command, GroundingResult or Plan (nonce, deadline, signature)."""
    msg.nonce = new_nonce()
    msg.deadline = time_to_ros(now_ns + valid_for_ns)
    msg.signature = sign(key, _payload(msg))
    return msg


def approval_problem(msg, verifier: ApprovalVerifier, now_ns: int) -> str:
    """'' when the message carries a valid, unexpired, unused approval (and uses it up)."""
    return verifier.problem(_payload(msg), msg.signature, msg.nonce, stamp_ns(msg.deadline), now_ns)


def task_step_to_ros(step: StepReport) -> TaskStepMsg:
    return TaskStepMsg(text=step.text, status=step.status, explanation=step.explanation)


def task_step_from_ros(msg: TaskStepMsg) -> StepReport:
    return StepReport(msg.text, msg.status, msg.explanation)


def object_states_to_ros(objects: dict, header: Header) -> list[ObjectStateMsg]:
    """{name: {"position_base": [x, y, z], "held": bool}} (the executor's view) to ObjectState[]."""
    return [ObjectStateMsg(name=name, pose=pose_stamped(header, state["position_base"]))
            for name, state in sorted(objects.items())]


def object_states_from_ros(msgs) -> dict:
    return {m.name: {"position_base": [m.pose.pose.position.x, m.pose.pose.position.y, m.pose.pose.position.z]}
            for m in msgs}


def task_result_to_ros(report: TaskReport, header: Header) -> ExecuteTask.Result:
    return ExecuteTask.Result(status=report.status, explanation=report.explanation,
                              steps=[task_step_to_ros(s) for s in report.steps],
                              objects=object_states_to_ros(report.objects, header))


def task_feedback_to_ros(step: int, total: int, stage: str, message: str) -> ExecuteTask.Feedback:
    return ExecuteTask.Feedback(step=max(0, int(step)), total_steps=max(0, int(total)), stage=stage, message=message)


def people_to_ros(tracked, header: Header):
    """Tracked people (core.perception.people_tracking.TrackedPerson) -> vlm_agent/People in the base frame."""
    from geometry_msgs.msg import Point
    from vlm_agent.msg import People, Person
    msg = People(header=header)
    for track in tracked:
        observation = track.observation
        person = Person(id=track.id, score=float(observation.detection.score),
                        bbox_xyxy=[float(v) for v in observation.detection.bbox_xyxy])
        if observation.centroid_base is not None and observation.closest_base is not None:
            person.has_position = True
            person.closest_point = Point(x=observation.closest_base[0], y=observation.closest_base[1],
                                         z=observation.closest_base[2])
            person.centroid = Point(x=observation.centroid_base[0], y=observation.centroid_base[1],
                                    z=observation.centroid_base[2])
        msg.people.append(person)
    return msg


def people_points_from_ros(msg) -> list[tuple[float, float, float]]:
    """The closest point of every person with a position (what separation checks use)."""
    return [(p.closest_point.x, p.closest_point.y, p.closest_point.z) for p in msg.people if p.has_position]


def people_from_ros(msg) -> list[dict]:
    """vlm_agent/People -> plain dicts (id, score, bbox_xyxy, closest_point, centroid or None)."""
    def point(p):
        return (p.x, p.y, p.z)
    return [{"id": p.id, "score": float(p.score), "bbox_xyxy": [float(v) for v in p.bbox_xyxy],
             "closest_point": point(p.closest_point) if p.has_position else None,
             "centroid": point(p.centroid) if p.has_position else None} for p in msg.people]


def audio_to_ros(samples: np.ndarray, sample_rate: int, header: Header, encoding: str = "S16LE"):
    """float32 samples in [-1, 1] ([n] or [n, channels]) -> vlm_agent/AudioChunk."""
    from vlm_agent.msg import AudioChunk
    data = np.asarray(samples, np.float32)
    channels = 1 if data.ndim == 1 else data.shape[1]
    raw = (np.clip(data, -1, 1) * 32767).astype("<i2") if encoding == "S16LE" else data.astype("<f4")
    return AudioChunk(header=header, sample_rate=int(sample_rate), channels=channels, encoding=encoding,
                      data=raw.tobytes())


def audio_from_ros(msg) -> dict:
    """vlm_agent/AudioChunk -> the keyword arguments of core.speech.sources.ChunkStream.push."""
    return {"data": bytes(msg.data), "sample_rate": int(msg.sample_rate), "channels": int(msg.channels),
            "encoding": msg.encoding}


def object_names_from_ros(msg: GroundingResultMsg) -> list[str]:
    """'red cube'-style names of the objects a grounding result mentions (for the speech recogniser)."""
    names = []
    for obj in [*msg.target, *msg.destination, *msg.references, *msg.candidates]:
        attrs = dict(a.split("=", 1) for a in obj.attributes if "=" in a)
        names.append(" ".join(w for w in (attrs.get("color", ""), obj.label) if w))
    return names
