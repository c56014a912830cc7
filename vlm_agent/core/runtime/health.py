"""What a node reports on /diagnostics: input rates and ages, per-stage latency percentiles,
queue depth, last error, each judged OK / WARN / ERROR against thresholds from the settings.
Times are the node clock's (sim time under use_sim_time), in seconds."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

OK, WARN, ERROR = 0, 1, 2
LEVEL_NAMES = {OK: "OK", WARN: "WARN", ERROR: "ERROR"}


class LatencyWindow:
    """The last `size` latencies of one stage, in ms."""

    def __init__(self, size: int = 100):
        self.samples: deque[float] = deque(maxlen=size)

    def add(self, ms: float) -> None:
        self.samples.append(float(ms))

    def percentiles(self) -> tuple[float, float] | None:
        """(p50, p95), None before the first sample."""
        if not self.samples:
            return None
        p50, p95 = np.percentile(np.fromiter(self.samples, float), (50, 95))
        return float(p50), float(p95)


class RateMeter:
    """Arrivals per second over the last `window_s` seconds."""

    def __init__(self, window_s: float = 5.0):
        self.window_s = window_s
        self.times: deque[float] = deque()
        self.last_stamp: float | None = None  # header stamp of the newest input, if it has one

    def saw(self, now: float, stamp: float | None = None) -> None:
        self.times.append(now)
        self.last_stamp = stamp if stamp is not None else self.last_stamp
        self._trim(now)

    def rate(self, now: float) -> float:
        self._trim(now)
        if len(self.times) < 2:
            return 0.0 if not self.times else 1.0 / self.window_s
        return (len(self.times) - 1) / max(self.times[-1] - self.times[0], 1e-6)

    def _trim(self, now: float) -> None:
        while self.times and now - self.times[0] > self.window_s:
            self.times.popleft()


@dataclass
class Finding:
    level: int
    message: str


@dataclass
class NodeHealth:
    latencies: dict[str, LatencyWindow] = field(default_factory=dict)
    inputs: dict[str, RateMeter] = field(default_factory=dict)
    last_error: str = ""
    clock_jumps_back: int = 0

    def latency(self, stage: str, ms: float) -> None:
        self.latencies.setdefault(stage, LatencyWindow()).add(ms)

    def saw_input(self, name: str, now: float, stamp: float | None = None) -> None:
        self.inputs.setdefault(name, RateMeter()).saw(now, stamp)

    def clock_jumped_back(self) -> None:
        """Bag looped or simulation reset: the input history of the old timeline means nothing now."""
        self.clock_jumps_back += 1
        for meter in self.inputs.values():
            meter.times.clear()

    def values(self, now: float) -> dict[str, str]:
        values = {}
        for name, meter in self.inputs.items():
            values[f"{name} rate (Hz)"] = f"{meter.rate(now):.2f}"
            if meter.last_stamp is not None:
                values[f"{name} age (s)"] = f"{now - meter.last_stamp:.3f}"
        for stage, window in self.latencies.items():
            p = window.percentiles()
            if p:
                values[f"{stage} latency p50 (ms)"], values[f"{stage} latency p95 (ms)"] = f"{p[0]:.1f}", f"{p[1]:.1f}"
        values["clock jumps back"] = str(self.clock_jumps_back)
        values["last error"] = self.last_error
        return values

    def latency_findings(self, warn_ms: float, error_ms: float) -> list[Finding]:
        findings = []
        for stage, window in self.latencies.items():
            p = window.percentiles()
            if p and p[1] > error_ms:
                findings.append(Finding(ERROR, f"{stage} p95 latency {p[1]:.0f} ms > {error_ms:g} ms"))
            elif p and p[1] > warn_ms:
                findings.append(Finding(WARN, f"{stage} p95 latency {p[1]:.0f} ms > {warn_ms:g} ms"))
        return findings

    def age_finding(self, name: str, now: float, warn_s: float, error_s: float, future_s: float) -> Finding | None:
        """None when input `name` is fresh; a missing input is an ERROR."""
        meter = self.inputs.get(name)
        if meter is None or meter.last_stamp is None:
            return Finding(ERROR, f"no {name} input received")
        age = now - meter.last_stamp
        if age < -future_s:
            return Finding(ERROR, f"latest {name} input is stamped {-age:.1f} s in the future (clock jumped back?)")
        if age > error_s:
            return Finding(ERROR, f"latest {name} input is {age:.1f} s old (> {error_s:g} s): input stopped?")
        if age > warn_s:
            return Finding(WARN, f"latest {name} input is {age:.1f} s old (> {warn_s:g} s)")
        return None


def summarise(findings: list[Finding | None]) -> Finding:
    """The worst level, with every message at that level."""
    findings = [f for f in findings if f is not None]
    if not findings:
        return Finding(OK, "ok")
    worst = max(f.level for f in findings)
    return Finding(worst, "; ".join(f.message for f in findings if f.level == worst))
