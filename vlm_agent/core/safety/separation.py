"""Speed and separation monitoring (after ISO/TS 15066 and Nav2's collision monitor): people near
the robot's current pose or its remaining path slow it down or stop it; it resumes only after the
zone has been clear for a while; a silent people detector stops it (or only warns, if configured).
Not a certified safety function: see README, "People safety"."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .plan_guard import segment_point_distance_2d

CLEAR, SLOW, STOP, STALE = "clear", "slow", "stop", "stale"


@dataclass(frozen=True)
class SeparationConfig:
    stop_distance: float = 0.30      # metres between a person and the robot or its remaining path
    slow_distance: float = 0.60
    slow_speed: float = 0.05         # m/s cap inside the slow zone
    clear_time_s: float = 1.0        # the zone must stay clear this long before speed comes back
    max_age_s: float = 1.0           # people older than this: the detector is stale
    on_stale: str = "halt"           # halt (fail closed) or warn

    def __post_init__(self):
        if not 0 <= self.stop_distance <= self.slow_distance:
            raise ValueError(f"need 0 <= stop_distance ({self.stop_distance}) <= slow_distance ({self.slow_distance})")
        if self.on_stale not in ("halt", "warn"):
            raise ValueError(f"on_stale must be halt or warn, got '{self.on_stale}'")
        if self.slow_speed <= 0 or self.clear_time_s < 0 or self.max_age_s <= 0:
            raise ValueError("slow_speed and max_age_s must be > 0 and clear_time_s >= 0")


@dataclass(frozen=True)
class SeparationState:
    zone: str                    # clear, slow, stop or stale
    speed_cap: float | None      # None = no cap; 0 = do not move
    reason: str
    distance: float | None = None


def path_distance(person, pose, remaining_path=()) -> float:
    """Horizontal distance from a person's point to the robot's pose and the path still ahead."""
    points = [np.asarray(pose, float), *(np.asarray(p, float) for p in remaining_path)]
    if len(points) == 1:
        return float(np.linalg.norm(points[0][:2] - np.asarray(person, float)[:2]))
    return min(segment_point_distance_2d(a, b, person) for a, b in zip(points, points[1:]))


class SeparationMonitor:
    """Feed it people (base-frame points) with their receive time, ask it for the state each control
    tick. `state()` holds slow/stop until the zone has been clear for clear_time_s."""

    def __init__(self, config: SeparationConfig = SeparationConfig()):
        self.config = config
        self.people: list[np.ndarray] = []
        self.people_time: float | None = None
        self.current = SeparationState(CLEAR, None, "not checked yet")
        self.clear_since: float | None = None

    def update_people(self, points, received_at: float) -> None:
        self.people = [np.asarray(p, float) for p in points]
        self.people_time = received_at

    def stale(self, now: float) -> bool:
        """No people detections, or none for longer than max_age_s: nobody can be ruled out."""
        return self.people_time is None or now - self.people_time > self.config.max_age_s

    def state(self, now: float, pose, remaining_path=()) -> SeparationState:
        self.current = self._next(now, pose, remaining_path)
        return self.current

    def _next(self, now, pose, remaining_path) -> SeparationState:
        config = self.config
        if self.stale(now):
            self.clear_since = None
            age = "no people detections received" if self.people_time is None else \
                f"no people detections for {now - self.people_time:.1f} s (limit {config.max_age_s:.1f} s)"
            if config.on_stale == "warn":
                return SeparationState(STALE, None, f"WARNING: {age}; moving anyway (on_stale=warn)")
            return SeparationState(STALE, 0.0, f"{age}: the people detector is down, so I stopped")
        wanted = self._zone(min((path_distance(p, pose, remaining_path) for p in self.people), default=None))
        if _rank(wanted) >= _rank(self.current):  # more restrictive (or the same): at once
            self.clear_since = None
            return wanted
        if self.clear_since is None:              # less restrictive: only after clear_time_s
            self.clear_since = now
        if now - self.clear_since >= config.clear_time_s:
            self.clear_since = None
            return SeparationState(wanted.zone, wanted.speed_cap, f"{wanted.reason}; clear for "
                                   f"{config.clear_time_s:.1f} s, resuming", wanted.distance)
        return SeparationState(self.current.zone, self.current.speed_cap, self.current.reason, wanted.distance)

    def _zone(self, distance: float | None) -> SeparationState:
        config = self.config
        if distance is not None and distance < config.stop_distance:
            return SeparationState(STOP, 0.0, f"a person is {distance:.2f} m from the arm or its path (stop zone "
                                   f"{config.stop_distance:.2f} m): stopped", distance)
        if distance is not None and distance < config.slow_distance:
            return SeparationState(SLOW, config.slow_speed, f"a person is {distance:.2f} m from the arm or its path "
                                   f"(slow zone {config.slow_distance:.2f} m): speed capped at "
                                   f"{config.slow_speed:.2f} m/s", distance)
        return SeparationState(CLEAR, None, "no person near the arm or its path", distance)


def _rank(state: SeparationState) -> int:
    if state.zone == STALE:
        return 3 if state.speed_cap == 0 else 0
    return {CLEAR: 0, SLOW: 1, STOP: 2}[state.zone]
