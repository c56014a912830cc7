"""The ExecuteTask action (vlm_agent/execute) and the Ground service (vlm_agent/ground) on a node,
served by a core TaskAgent. The agent is the gate: the command guard checks the whole text and
every step, the plan guard every plan, and only approved plans reach its executor; a guard error
refuses. Every task's verdicts go to an append-only audit log. One task at a time; cancelling a
goal halts the arm between two control ticks.

The host node must spin on a MultiThreadedExecutor: a goal runs for the whole task, and cancel and
ground answer meanwhile. `report(level, text)` says what happened on vlm_agent/status."""
from __future__ import annotations

import threading

from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import ReentrantCallbackGroup
from std_msgs.msg import Header

from vlm_agent.action import ExecuteTask
from vlm_agent.core.backends import create_backend
from vlm_agent.core.perception.grounding import Grounder
from vlm_agent.core.perception.objects import STATUS_ERROR, GroundingResult
from vlm_agent.core.safety.audit import AuditLog
from vlm_agent.core.tasks.agent import TaskAgent
from vlm_agent.core.tasks.steps import CANCELED
from vlm_agent.msg import Status
from vlm_agent.srv import Ground

from .conversions import grounding_to_ros, task_feedback_to_ros, task_result_to_ros


class TaskServer:
    def __init__(self, node, agent: TaskAgent, base_frame: str, audit_log: str, report):
        self.node, self.agent, self.base_frame, self.report = node, agent, base_frame, report
        self.audit = AuditLog(audit_log)
        self.perception = Grounder(create_backend("rgbd_geometry"))   # the service's own: tasks keep theirs
        self._busy, self._running, self.cancel = threading.Lock(), False, threading.Event()
        group = ReentrantCallbackGroup()
        self.action = ActionServer(node, ExecuteTask, "vlm_agent/execute", execute_callback=self._execute,
                                   goal_callback=self._goal, cancel_callback=self._cancel_requested,
                                   callback_group=group)
        node.create_service(Ground, "vlm_agent/ground", self._ground, callback_group=group)

    def _goal(self, goal: ExecuteTask.Goal) -> GoalResponse:
        with self._busy:   # taken from acceptance to the end of execution: one task at a time
            if self._running:
                self.report(Status.WARN, f"rejected task '{goal.text[:80]}': another task is running")
                return GoalResponse.REJECT
            self._running = True
        return GoalResponse.ACCEPT

    def _cancel_requested(self, goal_handle) -> CancelResponse:
        self.cancel.set()
        return CancelResponse.ACCEPT

    def _execute(self, goal_handle) -> ExecuteTask.Result:
        try:
            return self._run_goal(goal_handle)
        finally:
            with self._busy:
                self._running = False

    def _header(self) -> Header:
        return Header(stamp=self.node.get_clock().now().to_msg(), frame_id=self.base_frame)

    def _run_goal(self, goal_handle) -> ExecuteTask.Result:
        self.cancel.clear()
        text = goal_handle.request.text

        def feedback(step, total, stage, message):
            goal_handle.publish_feedback(task_feedback_to_ros(step, total, stage, message))
        try:
            report = self.agent.run(text, self.cancel, feedback)
        except Exception as exc:  # the action must answer; nothing runs after an error
            self.report(Status.ERROR, f"task '{text[:80]}' failed: {exc!r}")
            goal_handle.abort()
            return ExecuteTask.Result(status="error", explanation=f"internal error: {exc!r}")
        self.report(Status.INFO, f"task '{text[:80]}': {report.status}")
        self.audit.record(stage="task", text=text, source=goal_handle.request.source, **report.audit_record())
        result = task_result_to_ros(report, self._header())
        if report.status == CANCELED and goal_handle.is_cancel_requested:
            goal_handle.canceled()
        else:
            goal_handle.succeed()
        return result

    def _ground(self, request: Ground.Request, response: Ground.Response) -> Ground.Response:
        try:
            result = self.perception.ground(self.agent.executor.observe(), request.text)
        except Exception as exc:  # perception failed: say so in the result, move nothing
            result = GroundingResult(STATUS_ERROR, f"grounding failed: {exc!r}", command_text=request.text)
        response.result = grounding_to_ros(result, "", self._header(), self.base_frame)
        return response
