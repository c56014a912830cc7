"""Lifecycle manager: brings the managed nodes up through their real lifecycle services (configure
all at once, as each loads its own models in its own process; then activate them in order, the
guard last, so the gate opens when the rest can serve) and takes them down in reverse order.
Nav2's lifecycle_manager, small.

Services: lifecycle_manager/startup and lifecycle_manager/shutdown (std_srvs/Trigger).

A service response can be lost while discovery is still settling: the server drops it when the
client's response reader is not matched within 100 ms ("client will not receive response"),
which happens on loaded machines. So GetState is asked again until answered, and a transition
counts as done when the node answers GetState with the goal state, even if its ChangeState
response never comes.
"""
from __future__ import annotations

import threading
import time

from lifecycle_msgs.msg import State, Transition
from lifecycle_msgs.srv import ChangeState, GetState
from std_srvs.srv import Trigger

from vlm_agent.core.runtime.health import ERROR, OK, WARN, Finding
from vlm_agent.core.settings.nodes import LifecycleManagerSettings
from vlm_agent.msg import Status

from .common import AgentNode, run

UP = ((State.PRIMARY_STATE_UNCONFIGURED, Transition.TRANSITION_CONFIGURE, "configure", State.PRIMARY_STATE_INACTIVE),
      (State.PRIMARY_STATE_INACTIVE, Transition.TRANSITION_ACTIVATE, "activate", State.PRIMARY_STATE_ACTIVE))
DOWN = ((State.PRIMARY_STATE_ACTIVE, Transition.TRANSITION_DEACTIVATE, "deactivate", State.PRIMARY_STATE_INACTIVE),
        (State.PRIMARY_STATE_INACTIVE, Transition.TRANSITION_CLEANUP, "cleanup", State.PRIMARY_STATE_UNCONFIGURED))
FIRST_ASK_S, LONGEST_ASK_S = 1.0, 5.0  # GetState asked again after these, doubling


class LifecycleManagerNode(AgentNode):
    settings_class = LifecycleManagerSettings

    def __init__(self, **node_options):
        super().__init__("lifecycle_manager", **node_options)
        self.names = list(self.settings.node_names)
        self.change = {n: self.create_client(ChangeState, f"{n}/change_state") for n in self.names}
        self.get = {n: self.create_client(GetState, f"{n}/get_state") for n in self.names}
        self.phase, self.problem = "idle", ""
        self._busy = threading.Lock()
        self.create_service(Trigger, "lifecycle_manager/startup", lambda q, r: self._start(r, self.startup))
        self.create_service(Trigger, "lifecycle_manager/shutdown", lambda q, r: self._start(r, self.shutdown))
        if self.settings.autostart:
            threading.Thread(target=self.startup, name="lifecycle-startup", daemon=True).start()

    def _start(self, response, work):
        """Answer at once (the executor must go on spinning for the transitions) and work on a thread;
        progress is reported on vlm_agent/status and /diagnostics."""
        response.success = not self._busy.locked()
        response.message = f"{work.__name__} started" if response.success else f"busy: {self.phase}"
        if response.success:
            threading.Thread(target=work, name=f"lifecycle-{work.__name__}", daemon=True).start()
        return response

    def startup(self) -> bool:
        return self._walk("bringing up", self.names, UP, "active")

    def shutdown(self) -> bool:
        return self._walk("shutting down", list(reversed(self.names)), DOWN, "unconfigured")

    def _walk(self, phase: str, names: list[str], steps, done: str) -> bool:
        with self._busy:
            self.phase, self.problem = phase, ""
            for step in steps:  # every node configured before any is activated
                if step[1] == Transition.TRANSITION_CONFIGURE:
                    problems = self._request_transition(names, step)
                else:
                    problems = []
                    for name in names:
                        problems.append(self._request_transition([name], step)[0])
                        if problems[-1]:
                            break
                problem = "; ".join(p for p in problems if p)
                if problem:
                    self.phase, self.problem = "failed", problem
                    self.report(Status.ERROR, f"{phase} stopped: {problem}")
                    return False
            self.phase = done
            self.report(Status.INFO, f"{', '.join(names)} {done}")
            return True

    def _request_transition(self, names: list[str], step) -> list[str]:
        """The transition requested of each of these nodes at once (from this one thread), then awaited."""
        from_state, transition, label, goal = step
        deadline = time.monotonic() + self.settings.transition_timeout_s
        pending, problems = {}, {name: "" for name in names}
        for name in names:
            problems[name] = self._state_problem(name, from_state, deadline)
            if problems[name]:  # a node down used up the wait: the others are not blamed for it
                break
            if problems[name] is None:  # needs the transition
                problems[name] = ""
                pending[name] = self._send(self.change[name], ChangeState.Request(transition=Transition(id=transition)))
        for name, (future, done) in pending.items():
            succeeded = self._outcome(name, future, done, goal, deadline)
            if succeeded is None:
                problems[name] = f"{label} of '{name}' did not finish within {self.settings.transition_timeout_s:g} s"
            elif not succeeded:
                problems[name] = f"{label} of '{name}' failed (its vlm_agent/status and /diagnostics say why)"
        return [problems[name] for name in names]

    def _outcome(self, name: str, future, done: threading.Event, goal: int, deadline: float) -> bool | None:
        """The ChangeState answer; True without it once the node says it is in the goal state;
        None at the deadline."""
        ask_every = FIRST_ASK_S
        while not done.wait(min(ask_every, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                self.change[name].remove_pending_request(future)
                return None
            state = self._state(name, min(time.monotonic() + ask_every, deadline))
            if state in (goal, State.PRIMARY_STATE_FINALIZED):
                self.change[name].remove_pending_request(future)
                return state == goal
            ask_every = min(2 * ask_every, LONGEST_ASK_S)
        return future.result().success

    def _state_problem(self, name: str, from_state: int, deadline: float) -> str | None:
        """'' when the node is already past from_state, None when it is in it, else what is wrong."""
        timeout = self.settings.transition_timeout_s
        for client in (self.get[name], self.change[name]):
            if not client.wait_for_service(timeout_sec=max(0.0, deadline - time.monotonic())):
                return f"node '{name}' offers no lifecycle services (is it running?) after {timeout:g} s"
        state = self._state(name, deadline)
        if state is None:
            return f"node '{name}' did not say its state within {timeout:g} s"
        return None if state == from_state else ""

    def _state(self, name: str, deadline: float) -> int | None:
        """The node's primary state, asked again (a lost answer) until the deadline."""
        ask_for = FIRST_ASK_S
        while time.monotonic() < deadline:
            future, done = self._send(self.get[name], GetState.Request())
            if done.wait(min(ask_for, max(0.0, deadline - time.monotonic()))):
                return future.result().current_state.id
            self.get[name].remove_pending_request(future)
            ask_for = min(2 * ask_for, LONGEST_ASK_S)
        return None

    @staticmethod
    def _send(client, request):
        done = threading.Event()
        future = client.call_async(request)
        future.add_done_callback(lambda _: done.set())
        return future, done

    def diagnose(self):
        level = ERROR if self.phase == "failed" else OK if self.phase in ("active", "idle") else WARN
        return Finding(level, self.problem or self.phase), {"phase": self.phase, "nodes": ", ".join(self.names)}


def main(args=None):
    run(LifecycleManagerNode, args)


if __name__ == "__main__":
    main()
