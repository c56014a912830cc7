"""The simulator's time, for /clock: it starts at 0 (as gz sim's does) and advances with the
control loop, `tick_s` simulated seconds per tick (the executor's control period times speedup),
so plans move exactly as far as the clock says and the clock runs at speedup times wall-clock
time while the ticks keep pace (slower when the machine cannot keep up, as gz sim's real-time
factor drops)."""
from __future__ import annotations

NS_PER_S = 1_000_000_000


class SimClock:
    def __init__(self, tick_s: float, start_ns: int = 0):
        if tick_s <= 0:
            raise ValueError(f"a simulated clock must advance: tick_s {tick_s}")
        self.tick_ns, self.start_ns, self.ticks = round(tick_s * NS_PER_S), start_ns, 0

    @property
    def now_ns(self) -> int:
        return self.start_ns + self.ticks * self.tick_ns

    def tick(self) -> int:
        """One control tick later; returns the new time in nanoseconds."""
        self.ticks += 1
        return self.now_ns
