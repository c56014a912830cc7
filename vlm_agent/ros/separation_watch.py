"""The executor's side of speed and separation monitoring: people from the configured detector
(vlm_agent/people) -> core SeparationMonitor -> speed cap of the running plan, each control tick."""
from __future__ import annotations

import time

from vlm_agent.core.safety.separation import SeparationConfig, SeparationMonitor, SeparationState
from vlm_agent.msg import People

from .common import PEOPLE_QOS
from .conversions import people_points_from_ros
from .trusted_input import TrustedInput


class SeparationWatch:
    def __init__(self, node):
        s = node.settings  # ExecutorSettings (vlm_agent.core.settings.nodes)
        self.config = SeparationConfig(
            stop_distance=s.separation_stop_distance, slow_distance=s.separation_slow_distance,
            slow_speed=s.separation_slow_speed, clear_time_s=s.separation_clear_time_s,
            max_age_s=s.people_max_age_s, on_stale=s.people_stale_action)
        self.max_pause_s = s.separation_max_pause_s
        source = s.people_source
        self.monitor = SeparationMonitor(self.config)
        self.input = TrustedInput(node, People, "vlm_agent/people", PEOPLE_QOS, self._on_people, source)
        node.steady_timer(1.0, self.input.recheck)
        self.paused_since: float | None = None
        self.received = 0

    def _on_people(self, msg: People):
        self.received += 1
        self.monitor.update_people(people_points_from_ros(msg), time.monotonic())

    def check(self, pose, execution=None) -> tuple[SeparationState, bool]:
        """(state, changed) for the arm at `pose` and what is left of `execution`; sets its speed cap."""
        now = time.monotonic()
        before = self.monitor.current
        path = execution.remaining_path() if execution is not None and hasattr(execution, "remaining_path") else ()
        state = self.monitor.state(now, pose, path)
        if execution is not None:
            execution.speed_cap = state.speed_cap
        held_still = execution is not None and state.speed_cap == 0  # only a plan is held still, for this long
        self.paused_since = (self.paused_since or now) if held_still else None
        changed = (state.zone, state.speed_cap) != (before.zone, before.speed_cap)
        return state, changed

    def paused_too_long(self) -> bool:
        return self.paused_since is not None and time.monotonic() - self.paused_since > self.max_pause_s
