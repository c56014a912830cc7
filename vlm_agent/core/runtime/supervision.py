"""Who in the graph is alive, and one final outcome per command.

ROS-free: the guard node feeds heartbeats and every stage's messages in, and publishes what
comes out. Times are monotonic seconds passed in by the caller.
"""
from __future__ import annotations

from dataclasses import dataclass

EXECUTED, ANSWERED, REFUSED, BUSY = "executed", "answered", "refused", "busy"
STOPPED, HALTED, NOT_EXECUTED, ERROR = "stopped", "halted", "not_executed", "error"
ROLE_NAMES = {"guard": "guard node", "grounding": "grounding node", "planner": "planner node",
              "executor": "executor (simulator or robot driver)"}


@dataclass
class Peer:
    node: str
    instance_id: str
    last_seen: float
    ready: bool = True
    detail: str = ""


class PeerMonitor:
    """Heartbeats by role; a peer silent for `timeout_s` is down."""

    def __init__(self, timeout_s: float = 2.0, started: float = 0.0):
        self.timeout_s, self.started = timeout_s, started
        self.peers: dict[str, dict[str, Peer]] = {}

    def settled(self, now: float) -> bool:
        """Listened long enough to have heard every live peer once."""
        return now - self.started > self.timeout_s

    def saw(self, role: str, instance_id: str, node: str, now: float, ready: bool = True, detail: str = ""):
        self.peers.setdefault(role, {})[instance_id] = Peer(node, instance_id, now, ready, detail)

    def alive(self, role: str, now: float) -> list[Peer]:
        return [p for p in self.peers.get(role, {}).values() if now - p.last_seen <= self.timeout_s]

    def problem(self, role: str, now: float) -> str:
        """'' when exactly one ready instance of the role is alive, else what is wrong."""
        alive = self.alive(role, now)
        name = ROLE_NAMES.get(role, role)
        if not alive:
            return f"the {name} is not running (no heartbeat for {self.timeout_s:.0f} s)"
        if len(alive) > 1:
            nodes = ", ".join(sorted(f"{p.node} ({p.instance_id[:8]})" for p in alive))
            return f"{len(alive)} instances of the {name} share these topics: {nodes}"
        if not alive[0].ready:
            return f"the {name} is running but not ready: {alive[0].detail}"
        return ""


@dataclass
class Outcome:
    command_id: str
    status: str
    message: str
    text: str = ""
    retry_after_s: float = 0.0


@dataclass
class Tracked:
    text: str
    stage: str          # grounding, planner, plan_check, execution
    deadline: float


STAGE_WAITING_FOR = {"grounding": "grounding node", "planner": "planner node", "plan_check": "planner's plan",
                     "execution": "executor (simulator or robot driver)", "stop": "executor's stop confirmation"}
STAGE_ROLE = {"grounding": "grounding", "planner": "planner", "plan_check": "planner", "execution": "executor",
              "stop": "executor"}


class CommandTracker:
    """Follows each approved command through grounding, planning, the plan check and execution,
    and gives exactly one Outcome per command id: late or repeated messages give none."""

    def __init__(self, stage_timeout_s: float = 15.0, execution_timeout_s: float = 60.0, remember: int = 10000):
        self.stage_timeout_s, self.execution_timeout_s = stage_timeout_s, execution_timeout_s
        self.pending: dict[str, Tracked] = {}
        self.finished: dict[str, str] = {}  # command id -> final status, the newest `remember`
        # planner explanations that overtook their grounding result (topics are not ordered)
        self.early_explanations: dict[str, tuple[bool, str]] = {}
        self.remember = remember

    def known(self, command_id: str) -> bool:
        return command_id in self.pending or command_id in self.finished

    def stage(self, command_id: str) -> str:
        tracked = self.pending.get(command_id)
        return tracked.stage if tracked else ""

    def expect(self, command_id: str, text: str, stage: str, now: float, timeout_s: float | None = None):
        if command_id in self.finished:
            return
        timeout = self.stage_timeout_s if timeout_s is None else timeout_s
        self.pending[command_id] = Tracked(text, stage, now + timeout)

    def finish(self, command_id: str, status: str, message: str, text: str = "",
               retry_after_s: float = 0.0) -> Outcome | None:
        if command_id in self.finished:
            return None
        tracked = self.pending.pop(command_id, None)
        self.early_explanations.pop(command_id, None)
        self.finished[command_id] = status
        while len(self.finished) > self.remember:
            self.finished.pop(next(iter(self.finished)))
        return Outcome(command_id, status, message, text or (tracked.text if tracked else ""), retry_after_s)

    def on_result(self, command_id: str, status: str, message: str, now: float) -> Outcome | None:
        if self.stage(command_id) != "grounding":
            return None
        if status == "error":
            return self.finish(command_id, ERROR, message)
        self.expect(command_id, self.pending[command_id].text, "planner", now)
        early = self.early_explanations.pop(command_id, None)
        return self.on_explanation(command_id, *early, now) if early else None

    def on_explanation(self, command_id: str, plan_proposed: bool, text: str, now: float) -> Outcome | None:
        if self.stage(command_id) == "grounding":
            self.early_explanations[command_id] = (plan_proposed, text)
            return None
        if self.stage(command_id) != "planner":
            return None
        if not plan_proposed:
            return self.finish(command_id, ANSWERED, text)
        self.expect(command_id, self.pending[command_id].text, "plan_check", now)
        return None

    def on_plan_verdict(self, command_id: str, allowed: bool, reason: str, now: float,
                        execution_deadline_s: float) -> Outcome | None:
        if not allowed:
            return self.finish(command_id, REFUSED, reason)
        self.expect(command_id, self.pending[command_id].text, "execution", now, execution_deadline_s)
        return None

    def on_execution(self, command_id: str, state: str, message: str, now: float) -> Outcome | None:
        if self.stage(command_id) not in ("execution", "stop"):
            return None
        if self.stage(command_id) == "stop":
            return self.finish(command_id, STOPPED if state == "succeeded" else ERROR, message)
        if state == "executing":
            self.expect(command_id, self.pending[command_id].text, "execution", now, self.execution_timeout_s)
            return None
        status = {"succeeded": EXECUTED, "halted": HALTED}.get(state, NOT_EXECUTED)
        return self.finish(command_id, status, message)

    def overdue(self, now: float) -> list[Outcome]:
        outcomes = []
        for command_id, tracked in list(self.pending.items()):
            if now < tracked.deadline:
                continue
            if tracked.stage in ("execution", "stop"):
                outcome = self.finish(command_id, NOT_EXECUTED, "the plan was approved but the executor (simulator "
                                      "or robot driver) did not report running it before its deadline")
            else:
                outcome = self.finish(command_id, ERROR, f"no answer from the {STAGE_WAITING_FOR[tracked.stage]} "
                                      f"within {self.stage_timeout_s:.0f} s; is it running?")
            outcomes.append(outcome)
        return outcomes

    def abandoned(self, problems: dict[str, str]) -> list[Outcome]:
        """Commands waiting on a role that is down (or doubled): {role: problem} -> their outcomes."""
        outcomes = []
        for command_id, tracked in list(self.pending.items()):
            problem = problems.get(STAGE_ROLE[tracked.stage], "")
            if problem:
                status = NOT_EXECUTED if tracked.stage == "execution" else ERROR
                outcomes.append(self.finish(command_id, status, problem))
        return outcomes

    def halt_all(self, reason: str) -> list[Outcome]:
        """A stop: every command not yet finished ends halted, and no plan for it is released."""
        return [self.finish(command_id, HALTED, reason) for command_id, tracked in list(self.pending.items())
                if tracked.stage != "stop"]
