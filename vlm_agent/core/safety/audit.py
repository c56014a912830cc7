"""Append-only audit log (JSON lines) and a sliding-window rate limiter for the guard."""
from __future__ import annotations

import json
import time
from collections import deque
from pathlib import Path


class AuditLog:
    """One JSON object per line, appended and flushed per record; never rewritten."""

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a", encoding="utf-8")

    def record(self, **fields) -> None:
        fields.setdefault("time", time.time())
        self._file.write(json.dumps(fields, ensure_ascii=False, default=str) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class RateLimiter:
    """At most `max_events` in any `window_s` seconds."""

    def __init__(self, max_events: int, window_s: float):
        self.max_events, self.window_s = max_events, window_s
        self._times: deque[float] = deque()

    def allow(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        while self._times and now - self._times[0] > self.window_s:
            self._times.popleft()
        if len(self._times) >= self.max_events:
            return False
        self._times.append(now)
        return True

    def retry_after(self, now: float | None = None) -> float:
        """Seconds until one more event is allowed."""
        now = time.monotonic() if now is None else now
        if len(self._times) < self.max_events:
            return 0.0
        return max(0.0, self._times[0] + self.window_s - now)
