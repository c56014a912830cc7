"""pybullet tabletop: real rigid-body physics, TinyRenderer RGB-D, a kinematic gripper."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pybullet as pb

from ..perception.objects import Plan
from .billboard import Billboard
from .depth_noise import DepthNoise, depth_noise
from .execution import GripperSteps, PlanExecution
from .scene import TABLE_COLOR, ObjectSpec, SceneSpec

NEAR, FAR = 0.05, 4.0
TABLE_THICKNESS = 0.04
GRASP_RADIUS = 0.05  # a pick closes on the object whose centre is this close to the target
SETTLE_STEPS = 240


@dataclass(frozen=True, eq=False)
class RenderedFrame:
    rgb: np.ndarray        # (H, W, 3) uint8
    depth_m: np.ndarray    # (H, W) float32, NaN where nothing was hit
    segmentation: np.ndarray  # (H, W) int: object index into scene.objects, -1 for table/background


@dataclass(frozen=True)
class ObjectState:
    name: str
    shape: str
    color: str
    position: np.ndarray   # (3,) centre, base frame
    quaternion: np.ndarray  # (4,) x, y, z, w
    size: tuple[float, float, float]


class TabletopWorld(GripperSteps):
    """One pybullet client holding a scene. Not thread-safe; one world per thread."""

    def __init__(self, scene: SceneSpec, noise: str | DepthNoise | None = None, noise_seed: int = 0):
        """noise: the depth sensor's error model (see depth_noise.py), "none" by default."""
        self.scene = scene
        self.noise = depth_noise(noise)
        self._noise_rng = np.random.default_rng(noise_seed)
        self.client = pb.connect(pb.DIRECT)
        pb.setGravity(0, 0, -9.81, physicsClientId=self.client)
        self._make_table()
        self.body_ids = [self._make_object(spec) for spec in scene.objects]
        self.billboards = [Billboard(self.client, spec, scene.camera.position) for spec in scene.person_specs]
        self.held: int | None = None
        self.plans_executed = 0
        self.gripper_position = np.array([0.3, 0.0, 0.3])
        self.settle()

    def close(self):
        if self.client is not None and pb.isConnected(self.client):
            pb.disconnect(self.client)
        self.client = None

    def _make_table(self):
        sx, sy = self.scene.table_size
        half = [sx / 2, sy / 2, TABLE_THICKNESS / 2]
        col = pb.createCollisionShape(pb.GEOM_BOX, halfExtents=half, physicsClientId=self.client)
        vis = pb.createVisualShape(pb.GEOM_BOX, halfExtents=half, rgbaColor=[*TABLE_COLOR, 1],
                                   physicsClientId=self.client)
        cx, cy = self.scene.table_center
        pb.createMultiBody(0, col, vis, [cx, cy, -TABLE_THICKNESS / 2], physicsClientId=self.client)

    def _make_object(self, spec: ObjectSpec) -> int:
        sx, sy, sz = spec.size
        rgba = [*spec.rgb, 1]
        if spec.shape in ("cube", "box"):
            kwargs = {"halfExtents": [sx / 2, sy / 2, sz / 2]}
            geom = pb.GEOM_BOX
        elif spec.shape == "sphere":
            kwargs, geom = {"radius": sx / 2}, pb.GEOM_SPHERE
        else:
            geom = pb.GEOM_CYLINDER
            kwargs = {"radius": sx / 2}
            col = pb.createCollisionShape(geom, height=sz, physicsClientId=self.client, **kwargs)
            vis = pb.createVisualShape(geom, length=sz, rgbaColor=rgba, physicsClientId=self.client, **kwargs)
            return self._body(spec, col, vis)
        col = pb.createCollisionShape(geom, physicsClientId=self.client, **kwargs)
        vis = pb.createVisualShape(geom, rgbaColor=rgba, physicsClientId=self.client, **kwargs)
        return self._body(spec, col, vis)

    def _body(self, spec: ObjectSpec, col: int, vis: int) -> int:
        position = [spec.position[0], spec.position[1], spec.elevation + spec.size[2] / 2 + 1e-3]
        body = pb.createMultiBody(spec.mass, col, vis, position,
                                  pb.getQuaternionFromEuler([0, 0, spec.yaw]), physicsClientId=self.client)
        pb.changeDynamics(body, -1, lateralFriction=0.8, rollingFriction=0.001, spinningFriction=0.001,
                          physicsClientId=self.client)
        return body

    def settle(self, steps: int = SETTLE_STEPS):
        for _ in range(steps):
            pb.stepSimulation(physicsClientId=self.client)

    # ---- sensing -------------------------------------------------------------------------
    def render(self) -> RenderedFrame:
        cam = self.scene.camera
        k = cam.intrinsics
        fov_y = np.degrees(2 * np.arctan(k.height / (2 * k.fy)))
        projection = pb.computeProjectionMatrixFOV(fov_y, k.width / k.height, NEAR, FAR)
        view = pb.computeViewMatrix(cam.position, cam.look_at, [0, 0, 1])
        _, _, rgba, depth_buffer, seg = pb.getCameraImage(
            k.width, k.height, view, projection, renderer=pb.ER_TINY_RENDERER,
            lightDirection=[0.4, 0.3, 1.0], shadow=0, physicsClientId=self.client)
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(k.height, k.width, 4)[:, :, :3].copy()
        buffer = np.asarray(depth_buffer, dtype=np.float32).reshape(k.height, k.width)
        depth = (FAR * NEAR / (FAR - (FAR - NEAR) * buffer)).astype(np.float32)
        depth[buffer >= 0.99999] = np.nan
        depth = self.noise.apply(depth, k.fx, self._noise_rng)
        seg = np.asarray(seg, dtype=np.int64).reshape(k.height, k.width)
        lookup = np.full(max(self.body_ids, default=0) + 2, -1, dtype=np.int64)
        lookup[self.body_ids] = np.arange(len(self.body_ids))
        valid = (seg >= 0) & (seg < lookup.size - 1)
        segmentation = np.where(valid, lookup[np.clip(seg, 0, lookup.size - 1)], -1)
        return RenderedFrame(rgb, depth, segmentation)

    def move_person(self, index: int, x: float, y: float) -> None:
        """Place person `index` (a billboard) elsewhere on the floor plan, still facing the camera."""
        self.billboards[index].move(x, y)

    def people_positions(self) -> list[tuple[float, float]]:
        return [b.position for b in self.billboards]

    def object_states(self) -> list[ObjectState]:
        states = []
        for spec, body in zip(self.scene.objects, self.body_ids):
            position, quaternion = pb.getBasePositionAndOrientation(body, physicsClientId=self.client)
            states.append(ObjectState(spec.name, spec.shape, spec.color, np.array(position),
                                      np.array(quaternion), spec.size))
        return states

    @property
    def held_name(self) -> str:
        return "" if self.held is None else self.scene.objects[self.body_ids.index(self.held)].name

    # ---- acting ----------------------------------------------------------------------------
    def start(self, plan: Plan, base_from_frame: np.ndarray | None = None) -> PlanExecution:
        """Begin a plan; poses are in the plan's frame, mapped to the base frame with
        ``base_from_frame`` (identity if None). Raises InputError before anything moves."""
        return PlanExecution(self, plan, base_from_frame)

    def execute(self, plan: Plan, base_from_frame: np.ndarray | None = None) -> list[str]:
        """Run a whole plan at once; returns a log line per step."""
        execution = self.start(plan, base_from_frame)
        while not execution.advance(1.0):
            pass
        return execution.log

    def move_gripper(self, target: np.ndarray):
        self.gripper_position = np.asarray(target, float)
        if self.held is not None:
            _, quaternion = pb.getBasePositionAndOrientation(self.held, physicsClientId=self.client)
            pb.resetBasePositionAndOrientation(self.held, self.gripper_position.tolist(), quaternion,
                                               physicsClientId=self.client)
            pb.resetBaseVelocity(self.held, [0, 0, 0], [0, 0, 0], physicsClientId=self.client)

    def _push(self, start: np.ndarray, end: np.ndarray) -> str:
        """Objects in the swept path move with the fingers."""
        motion = end[:2] - start[:2]
        length = float(np.linalg.norm(motion))
        moved = []
        for spec, body in zip(self.scene.objects, self.body_ids):
            position, quaternion = pb.getBasePositionAndOrientation(body, physicsClientId=self.client)
            along = float(np.dot(np.asarray(position[:2]) - start[:2], motion) / max(length, 1e-9))
            off_path = np.linalg.norm(np.asarray(position[:2]) - start[:2] - along * motion / max(length, 1e-9))
            if 0 < along < length + max(spec.size[:2]) and off_path < max(spec.size[:2]) / 2 + 0.02:
                new = [position[0] + motion[0], position[1] + motion[1], position[2]]
                pb.resetBasePositionAndOrientation(body, new, quaternion, physicsClientId=self.client)
                moved.append(spec.name)
        self.settle()
        return f"pushed {', '.join(moved)}" if moved else "pushed nothing"

    def _grasp(self, target: np.ndarray) -> str:
        if self.held is not None:
            return f"grasp skipped: already holding {self.held_name}"
        distances = [np.linalg.norm(np.array(pb.getBasePositionAndOrientation(
            body, physicsClientId=self.client)[0]) - target) for body in self.body_ids]
        if not distances or min(distances) > GRASP_RADIUS:
            return "grasp closed on nothing"
        self.held = self.body_ids[int(np.argmin(distances))]
        pb.changeDynamics(self.held, -1, mass=0, physicsClientId=self.client)  # kinematic while held
        self.move_gripper(target)
        return f"grasped {self.held_name}"

    def _release(self) -> str:
        if self.held is None:
            return "gripper opened"
        name = self.held_name
        index = self.body_ids.index(self.held)
        pb.changeDynamics(self.held, -1, mass=self.scene.objects[index].mass, physicsClientId=self.client)
        self.held = None
        self.settle()
        return f"released {name}"
