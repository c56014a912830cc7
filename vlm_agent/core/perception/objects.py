"""Small frozen result types shared by the grounding, planning and guard stages."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True, eq=False)
class SceneObject:
    """One object proposed by a backend, with its attributes and 3D estimate."""
    id: str
    label: str                      # category ("cube", "coffee cup")
    bbox_xyxy: tuple[float, float, float, float]
    detector_score: float = 1.0
    color: str = ""                 # colour name ("red"); "" when unknown
    shade: str = ""                 # "dark" / "light" / ""
    center_camera: np.ndarray | None = None   # (3,) metres, camera optical frame
    center_base: np.ndarray | None = None     # (3,) metres, robot base frame
    rotation_camera: np.ndarray | None = None  # (3,3) object axes in the camera frame
    yaw_base: float = 0.0           # rotation about the support-plane normal, radians
    size: np.ndarray | None = None  # (3,) extent along the object's axes, metres
    pixel_count: int = 0
    occluded: bool = False          # partly hidden: shape and size are less certain
    label_scores: tuple[tuple[str, float], ...] = ()  # other plausible categories and their scores (< 1)

    @property
    def description(self) -> str:
        return " ".join(part for part in (self.shade, self.color, self.label) if part)

    def attributes(self) -> list[str]:
        items = [f"color={self.color}"] if self.color else []
        items += [f"shade={self.shade}"] if self.shade else []
        items.append(f"shape={self.label}")
        return items


@dataclass(frozen=True, eq=False)
class Match:
    """A scene object with the score it got for a phrase."""
    obj: SceneObject
    score: float
    phrase: str = ""

    def rescored(self, score: float) -> "Match":
        return replace(self, score=score)


STATUS_OK, STATUS_NOT_FOUND, STATUS_AMBIGUOUS, STATUS_REFUSED, STATUS_ERROR = (
    "ok", "not_found", "ambiguous", "refused", "error")


@dataclass(frozen=True, eq=False)
class GroundingResult:
    status: str
    message: str
    action: str = ""
    command_text: str = ""
    target: Match | None = None
    destination: Match | None = None
    destination_relation: str = ""   # "in", "on", "left_of", ... for place commands
    references: tuple[Match, ...] = ()
    candidates: tuple[Match, ...] = ()
    answer: str = ""                 # for count / describe / find
    rationale: str = ""              # why the target was chosen, in words
    stage_latency_ms: dict = field(default_factory=dict)
    pose_frame_id: str = ""


@dataclass(frozen=True)
class PlanStep:
    action: str          # move_to, pick, place, push, point_at
    position: tuple[float, float, float]
    yaw: float = 0.0
    object_id: str = ""
    gripper: str = "keep"  # keep, open, close
    max_speed: float = 0.25
    object_label: str = ""  # the label grounding gave object_id: the guard checks the two belong together


@dataclass(frozen=True)
class Plan:
    command_id: str
    frame_id: str
    steps: tuple[PlanStep, ...]


ALLOWED = "none"  # the category of a verdict that allows


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    category: str
    score: float
    reason: str
    stage: str = "command"

    def as_dict(self) -> dict:
        return {"allowed": self.allowed, "category": self.category,
                "score": round(float(self.score), 3), "reason": self.reason}
