"""Fault injection for closed-loop tests: a grasp that slips, an object moved by someone else
mid-task, a destination occupied just before the robot gets there."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pybullet as pb

from ..errors import InputError
from .scene import ObjectSpec
from .world import TabletopWorld


@dataclass(frozen=True)
class FaultConfig:
    grasp_slip: float = 0.0            # probability that a grasped object slips out when lifted
    move_object: str = ""              # name of an object someone else moves ...
    move_before_step: int = 2          # ... just before this task step (1-based) ...
    move_to: tuple[float, float] | None = None   # ... to here (x, y); None: a free spot on the table
    occupy: str = ""                   # name of an object someone else puts something on ...
    occupy_before_step: int = 1        # ... just before this step
    seed: int = 0

    def __post_init__(self):
        if not 0.0 <= self.grasp_slip <= 1.0:
            raise InputError(f"grasp_slip must be within [0, 1], got {self.grasp_slip}")
        if self.move_before_step < 1 or self.occupy_before_step < 1:
            raise InputError("fault step numbers are 1-based")


class FaultInjector:
    def __init__(self, world: TabletopWorld, faults: FaultConfig):
        self.world, self.faults = world, faults
        self.rng = np.random.default_rng(faults.seed)
        names = {o.name for o in world.scene.objects}
        for field_name in ("move_object", "occupy"):
            name = getattr(faults, field_name)
            if name and name not in names:
                raise InputError(f"fault '{field_name}': no object named '{name}' in the scene "
                                 f"(objects: {', '.join(sorted(names))})")
        self.events: list[str] = []

    def begin_step(self, index: int) -> None:
        f = self.faults
        if f.move_object and index == f.move_before_step:
            xy = f.move_to if f.move_to is not None else self._free_spot(f.move_object)
            move_object(self.world, f.move_object, xy)
            self.events.append(f"before step {index}: someone moved {f.move_object} to ({xy[0]:.2f}, {xy[1]:.2f})")
        if f.occupy and index == f.occupy_before_step:
            name = occupy(self.world, f.occupy)
            self.events.append(f"before step {index}: someone put {name} on {f.occupy}")

    def slips(self) -> bool:
        return self.faults.grasp_slip > 0 and self.rng.random() < self.faults.grasp_slip

    def _free_spot(self, name: str) -> tuple[float, float]:
        positions = {s.name: s.position[:2] for s in self.world.object_states()}
        for _ in range(200):
            xy = self.rng.uniform((0.35, -0.3), (0.75, 0.3))
            if all(np.linalg.norm(xy - p) > 0.12 for n, p in positions.items() if n != name):
                return float(xy[0]), float(xy[1])
        raise InputError(f"no free spot on the table to move '{name}' to")


def move_object(world: TabletopWorld, name: str, xy) -> None:
    index = [o.name for o in world.scene.objects].index(name)
    body, spec = world.body_ids[index], world.scene.objects[index]
    if world.held == body:
        world.held = None
        pb.changeDynamics(body, -1, mass=spec.mass, physicsClientId=world.client)
    _, quaternion = pb.getBasePositionAndOrientation(body, physicsClientId=world.client)
    pb.resetBasePositionAndOrientation(body, [xy[0], xy[1], spec.size[2] / 2 + 1e-3], quaternion,
                                       physicsClientId=world.client)
    world.settle()


def occupy(world: TabletopWorld, support: str) -> str:
    """Put a small purple cube on the centre of `support`; returns its name. (Purple: the embedded
    perception merges touching objects of similar colour, and no built-in scene has purple.)"""
    index = [o.name for o in world.scene.objects].index(support)
    position, _ = pb.getBasePositionAndOrientation(world.body_ids[index], physicsClientId=world.client)
    top = position[2] + world.scene.objects[index].size[2] / 2
    name = f"intruder_{len(world.scene.objects)}"
    spec = ObjectSpec(name, "cube", "purple", (0.04, 0.04, 0.04), (position[0], position[1]))
    world.scene = replace(world.scene, objects=world.scene.objects + (spec,))
    body = world._make_object(spec)
    pb.resetBasePositionAndOrientation(body, [position[0], position[1], top + 0.021], [0, 0, 0, 1],
                                       physicsClientId=world.client)
    world.body_ids.append(body)
    world.settle()
    return name
