"""A kinematic tabletop for executors that move objects by setting their poses (the Gazebo
executor): objects are rigid boxes, spheres and cylinders known from the scene description; a
grasp takes the object whose centre is within reach, a held object follows the gripper, a release
sets it down on whatever is below it, a push slides what is in its path. Every pose change goes to
`move_object(name, position, quaternion_xyzw)`, the one side effect. Driven by PlanExecution
(execution.py) exactly as the pybullet world is."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..perception.objects import Plan
from .execution import GripperSteps, PlanExecution
from .scene import SceneSpec
from .world import GRASP_RADIUS

PoseSink = Callable[[str, np.ndarray, np.ndarray], None]


@dataclass
class KinematicObject:
    name: str
    shape: str
    size: tuple[float, float, float]
    position: np.ndarray
    yaw: float

    @property
    def quaternion(self) -> np.ndarray:
        return np.array([0.0, 0.0, np.sin(self.yaw / 2), np.cos(self.yaw / 2)])

    @property
    def half_footprint(self) -> float:
        return max(self.size[:2]) / 2


class KinematicWorld(GripperSteps):
    def __init__(self, scene: SceneSpec, move_object: PoseSink):
        self.scene, self.move_object = scene, move_object
        self.objects = [KinematicObject(o.name, o.shape, o.size, np.array([*o.position, o.size[2] / 2]), o.yaw)
                        for o in scene.objects]
        self.held: KinematicObject | None = None
        self.plans_executed = 0
        self.gripper_position = np.array([0.3, 0.0, 0.3])

    @property
    def held_name(self) -> str:
        return self.held.name if self.held else ""

    def start(self, plan: Plan, base_from_frame: np.ndarray | None = None) -> PlanExecution:
        return PlanExecution(self, plan, base_from_frame)

    def move_gripper(self, target: np.ndarray):
        self.gripper_position = np.asarray(target, float)
        if self.held is not None:
            self._place(self.held, self.gripper_position)

    def _place(self, item: KinematicObject, position: np.ndarray):
        item.position = np.asarray(position, float).copy()
        self.move_object(item.name, item.position, item.quaternion)

    def _grasp(self, target: np.ndarray) -> str:
        if self.held is not None:
            return f"grasp skipped: already holding {self.held.name}"
        distances = [float(np.linalg.norm(o.position - target)) for o in self.objects]
        if not distances or min(distances) > GRASP_RADIUS:
            return "grasp closed on nothing"
        self.held = self.objects[int(np.argmin(distances))]
        self.move_gripper(target)
        return f"grasped {self.held.name}"

    def _release(self) -> str:
        if self.held is None:
            return "gripper opened"
        item, self.held = self.held, None
        self._place(item, [*item.position[:2], self._support_height(item) + item.size[2] / 2])
        return f"released {item.name}"

    def _support_height(self, item: KinematicObject) -> float:
        """Top of the highest object under the item's centre (the table top is z = 0)."""
        tops = [o.position[2] + o.size[2] / 2 for o in self.objects if o is not item
                and np.linalg.norm(o.position[:2] - item.position[:2]) < o.half_footprint
                and o.position[2] + o.size[2] / 2 <= item.position[2]]
        return max(tops, default=0.0)

    def _push(self, start: np.ndarray, end: np.ndarray) -> str:
        motion = end[:2] - start[:2]
        length = float(np.linalg.norm(motion))
        direction = motion / max(length, 1e-9)
        moved = []
        for item in self.objects:
            if item is self.held:
                continue
            offset = item.position[:2] - start[:2]
            along = float(offset @ direction)
            off_path = float(np.linalg.norm(offset - along * direction))
            if 0 < along < length + 2 * item.half_footprint and off_path < item.half_footprint + 0.02:
                self._place(item, [item.position[0] + motion[0], item.position[1] + motion[1], item.position[2]])
                moved.append(item.name)
        return f"pushed {', '.join(moved)}" if moved else "pushed nothing"
