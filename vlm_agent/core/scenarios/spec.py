"""Scenario files: scenes, the commands sent in each, and what must happen. Parsing only; every
problem is an InputError naming the file and the field (``tests.yaml: scenes[0].cases[2].expect.status``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


from ..errors import InputError
from ..yaml_files import read_yaml

STATUSES = ("executed", "answered", "refused", "busy", "stopped", "halted", "not_executed", "error")
GROUNDING_STATUSES = ("ok", "not_found", "ambiguous", "refused", "error")
OTHERS = "others"  # in `unmoved`: every object the case names nowhere else


@dataclass(frozen=True)
class ObjectExpectation:
    name: str
    position: tuple[float | None, float | None, float | None]  # base frame, metres; None = any value
    tolerance_m: float


@dataclass(frozen=True)
class Expectation:
    status: str | None = None
    grounding: str | None = None
    refusal: str | None = None
    plan_released: bool | None = None
    objects: tuple[ObjectExpectation, ...] = ()
    unmoved: tuple[str, ...] = ()       # may contain OTHERS
    unmoved_tolerance_m: float = 0.01
    max_latency_ms: float | None = None
    held: str | None = None             # "" = nothing held


@dataclass(frozen=True)
class Case:
    name: str
    command: str
    expect: Expectation


@dataclass(frozen=True)
class SceneRun:
    scene: str            # built-in scene name or an absolute scene YAML path
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class ScenarioFile:
    path: Path
    name: str
    scenes: tuple[SceneRun, ...] = field(default=())

    @property
    def case_count(self) -> int:
        return sum(len(s.cases) for s in self.scenes)


class _Fields:
    """Typed access to one mapping of the file, with the field path for error messages."""

    def __init__(self, file: Path, where: str, data, known: tuple[str, ...]):
        self.file, self.where = file, where
        if not isinstance(data, dict):
            self.fail(f"must be a mapping, got {type(data).__name__}")
        unknown = sorted(set(data) - set(known))
        if unknown:
            self.fail(f"unknown field '{unknown[0]}' (known: {', '.join(known)})")
        self.data = data

    def fail(self, message: str, key: str = ""):
        where = f"{self.where}.{key}" if key and self.where else key or self.where
        raise InputError(f"{self.file}: {where or 'top level'}: {message}")

    def child(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str, kind, default=None, required: bool = False, choices: tuple = ()):
        if key not in self.data or self.data[key] is None:
            if required:
                self.fail("is required", key)
            return default
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind in (float, int) and isinstance(value, bool)):
            self.fail(f"must be {kind.__name__}, got {value!r}", key)
        if kind is float and value < 0:
            self.fail(f"must be >= 0, got {value}", key)
        if kind is str and not value.strip():
            self.fail("must not be empty", key)
        if choices and value not in choices:
            self.fail(f"'{value}' is not one of: {', '.join(choices)}", key)
        return value


def load_scenarios(path: str | Path) -> ScenarioFile:
    path = Path(path)
    return parse_scenarios(read_yaml(path, "scenario file"), path)


def parse_scenarios(data, path: Path) -> ScenarioFile:
    top = _Fields(path, "", data, ("name", "defaults", "scenes"))
    defaults = _Fields(path, "defaults", top.data.get("defaults") or {}, ("tolerance_m", "max_latency_ms"))
    tolerance = defaults.get("tolerance_m", float, 0.03)
    latency = defaults.get("max_latency_ms", float)
    scenes = top.get("scenes", list, required=True)
    if not scenes:
        top.fail("must list at least one scene", "scenes")
    runs = []
    for index, raw in enumerate(scenes):
        entry = _Fields(path, f"scenes[{index}]", raw, ("scene", "cases"))
        scene = entry.get("scene", str, required=True)
        cases = entry.get("cases", list, required=True)
        if not cases:
            entry.fail("must list at least one case", "cases")
        runs.append(SceneRun(_scene_ref(scene, path), tuple(
            _case(path, f"scenes[{index}].cases[{i}]", c, tolerance, latency) for i, c in enumerate(cases))))
    return ScenarioFile(path, top.get("name", str, path.stem), tuple(runs))


def _scene_ref(scene: str, path: Path) -> str:
    """A scene YAML is found relative to the scenario file; a bare name is a built-in scene."""
    if scene.endswith((".yaml", ".yml")):
        candidate = Path(scene) if Path(scene).is_absolute() else path.parent / scene
        return str(candidate.resolve())
    return scene


def _case(path: Path, where: str, raw, tolerance: float, latency: float | None) -> Case:
    case = _Fields(path, where, raw, ("name", "command", "expect"))
    command = case.get("command", str, required=True)
    expect = _Fields(path, case.child("expect"), case.data.get("expect") or {}, (
        "status", "grounding", "refusal", "plan_released", "objects", "unmoved", "unmoved_tolerance_m",
        "max_latency_ms", "held"))
    objects = []
    for name, spec in (expect.get("objects", dict, {})).items():
        objects.append(_object(path, f"{expect.child('objects')}.{name}", str(name), spec, tolerance))
    unmoved = expect.get("unmoved", list, [])
    if not all(isinstance(n, str) for n in unmoved):
        expect.fail("must be a list of object names (or 'others')", "unmoved")
    held = expect.data.get("held")
    if held is not None and not isinstance(held, str):
        expect.fail(f"must be an object name or '' (nothing held), got {held!r}", "held")
    expectation = Expectation(
        status=expect.get("status", str, choices=STATUSES),
        grounding=expect.get("grounding", str, choices=GROUNDING_STATUSES),
        refusal=expect.get("refusal", str),
        plan_released=expect.get("plan_released", bool),
        objects=tuple(objects), unmoved=tuple(unmoved),
        unmoved_tolerance_m=expect.get("unmoved_tolerance_m", float, 0.01),
        max_latency_ms=expect.get("max_latency_ms", float, latency), held=held)
    if expectation == Expectation(max_latency_ms=latency):
        expect.fail("states nothing to check (give status, grounding, refusal, plan_released, objects, unmoved, "
                    "held or max_latency_ms)")
    return Case(case.get("name", str, command), command, expectation)


def _object(path: Path, where: str, name: str, raw, tolerance: float) -> ObjectExpectation:
    spec = _Fields(path, where, raw, ("at", "tolerance_m"))
    at = spec.get("at", list, required=True)
    if len(at) != 3 or not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in at):
        spec.fail(f"must be [x, y, z] in metres in the base frame (null = any), got {at!r}", "at")
    if all(v is None for v in at):
        spec.fail("has no coordinate to check", "at")
    return ObjectExpectation(name, tuple(None if v is None else float(v) for v in at),
                             spec.get("tolerance_m", float, tolerance))
