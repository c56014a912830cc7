"""The guard's command gate: command_in -> (a stop? halt at once) -> queue -> check, its wait
bounded by a deadline -> signed command to grounding, or a refusal, or busy. Part of GuardNode."""
from __future__ import annotations

import time

from vlm_agent.core.safety.audit import RateLimiter
from vlm_agent.core.runtime.deadline import DeadlineExceeded
from vlm_agent.core.perception.objects import ALLOWED, STATUS_ERROR, STATUS_REFUSED, Verdict
from vlm_agent.core.safety.stop_intent import is_stop_command
from vlm_agent.core.runtime.supervision import BUSY, ERROR, NOT_EXECUTED, REFUSED
from vlm_agent.msg import Command, GroundingResult, Status

from .conversions import sign_message


class CommandGate:
    def _on_command_in(self, command: Command):
        self.health.saw_input("commands", self.now_s())
        if is_stop_command(command.text):
            self._stop(command.id, command.text)  # skips the queue and every model, in every state
        elif not self.active:
            with self.lock:
                self._publish_outcomes([self.tracker.finish(command.id, ERROR, f"the guard is {self.lifecycle_state} "
                                                            "(lifecycle): nothing is released", command.text)])
        else:
            self.queue.put(command)

    def _on_stop_service(self, request, response):
        sent = self._stop(f"stop-service-{time.monotonic_ns()}", "stop (vlm_agent/stop service)")
        response.success, response.message = sent, ("halt sent to the executor" if sent else
                                                    self.peers.problem("executor", time.monotonic()))
        return response

    def _stop(self, command_id: str, text: str) -> bool:
        self.halt_pub.publish(Command(header=self._header(), id=command_id, text=text[:500], source="stop"))
        dropped = []
        while not self.queue.empty():
            dropped.append(self.queue.get_nowait())
        reason = f"stopped by '{text[:80]}' before it ran"
        with self.lock:
            self.held_plans.clear()
            outcomes = self.tracker.halt_all(reason)
            outcomes += [self.tracker.finish(c.id, "halted", reason, c.text)
                         for c in dropped + ([self.checking] if self.checking else [])]
            self._publish_verdict(Verdict(True, ALLOWED, 0.0, "stop commands are always released"), command_id, text)
            problem = self.peers.problem("executor", time.monotonic())
            if problem:
                outcomes.append(self.tracker.finish(command_id, ERROR, f"halt sent, but {problem}", text))
            else:
                self.tracker.expect(command_id, text, "stop", time.monotonic(), self.plan_deadline_s)
            self._publish_outcomes(outcomes)
        return not problem

    def _work(self):
        while True:
            command = self.queue.get()
            if command is None:  # the node is being destroyed
                return
            try:
                self._handle_command(command)
            except Exception as exc:  # the worker never dies; the command is answered with the error
                with self.lock:
                    self._publish_outcomes([self.tracker.finish(command.id, ERROR, f"guard failed: {exc!r}",
                                                                command.text)])

    def _handle_command(self, command: Command):
        with self.lock:
            if self.tracker.known(command.id):
                self.report(Status.WARN, f"command id '{command.id}' was used before; this copy is ignored")
                return
            source = command.source or Command.SOURCE_TEXT
            limiter = self.limiters.setdefault(source, RateLimiter(self.max_commands, self.window_s))
            if not limiter.allow():
                wait = limiter.retry_after()
                self.audit.record(stage="command", command_id=command.id, subject=command.text[:500], category="busy")
                self._publish_outcomes([self.tracker.finish(
                    command.id, BUSY, f"Busy: more than {self.max_commands} commands from '{source}' in "
                    f"{self.window_s:.0f} s; try again in {wait:.1f} s.", command.text, wait)])
                return
            self.checking = command
        started = time.perf_counter()
        verdict = self._check_command(command.text)  # outside the lock: plans and stops go on meanwhile
        self.health.latency("command_check", (time.perf_counter() - started) * 1000)
        while not self.peers.settled(time.monotonic()) and self._peer_problem():  # just started: let heartbeats come
            time.sleep(0.05)
        with self.lock:
            self.checking = None
            self._release_command(command, verdict)

    def _release_command(self, command: Command, verdict: Verdict):
        if self.tracker.known(command.id):  # a stop came while it was checked
            return
        if not self.active:
            verdict = Verdict(False, "guard_inactive", 1.0, "the guard was deactivated during the check; refusing")
        self._publish_verdict(verdict, command.id, command.text)
        if not verdict.allowed:
            status = STATUS_ERROR if verdict.category == "invalid_input" else STATUS_REFUSED  # bad input, not harm
            self.result_pub.publish(self._signed(GroundingResult(
                header=self._header(), command_id=command.id, command_text=command.text[:500], status=status,
                message=verdict.reason)))
            self._publish_outcomes([self.tracker.finish(command.id, REFUSED if status == STATUS_REFUSED else ERROR,
                                                        verdict.reason, command.text)])
            return
        language = self._language_refusal(command.text)
        if language is not None:  # harmless, but the grounder would not understand it
            self.audit.record(stage="language", command_id=command.id, subject=command.text[:500],
                              **language.as_dict())
            self._publish_outcomes([self.tracker.finish(command.id, NOT_EXECUTED, language.reason, command.text)])
            return
        now = time.monotonic()
        problem = self.conflict or self._peer_problem()
        if problem:
            self._publish_outcomes([self.tracker.finish(command.id, ERROR, f"not processed: {problem}",
                                                        command.text)])
            return
        self.tracker.expect(command.id, command.text, "grounding", now)
        self.command_pub.publish(self._signed(Command(header=command.header, id=command.id, text=command.text,
                                                      source=command.source)))

    def _peer_problem(self) -> str:
        now = time.monotonic()
        return self.peers.problem("grounding", now) or self.peers.problem("planner", now)

    def _signed(self, msg, valid_for_ns: int | None = None):
        return sign_message(msg, self.key, valid_for_ns or self.stage_timeout_ns, self.get_clock().now().nanoseconds)

    def _check_command(self, text: str) -> Verdict:
        if self.failure:
            return Verdict(False, "guard_error", 1.0, self.failure)
        if self.conflict:
            return Verdict(False, "guard_error", 1.0, f"{self.conflict}; refusing until only one guard runs")
        try:
            return self.checks.call(self.timeout_s, self.command_guard.check, text)
        except DeadlineExceeded:
            return Verdict(False, "guard_timeout", 1.0, f"the guard check did not finish within {self.timeout_s} s; "
                           "refusing")

    def _language_refusal(self, text: str) -> Verdict | None:
        """Not executed: the command is in a language outside the guard config's `languages.accepted`.
        Judged after the harm check, so a harmful command in any language is refused for harm."""
        try:
            return self.command_guard.language_verdict(text)
        except Exception as exc:  # fail closed: an unreadable language is not passed on
            return Verdict(False, "unsupported_language", 1.0, f"the command's language could not be "
                           f"identified ({exc!r}); please give the command in English")
