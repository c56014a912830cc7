"""Task node: the ExecuteTask action (vlm_agent/execute) and the Ground service (vlm_agent/ground),
served by the core task agent. The agent is the gate: the command guard checks the whole text and
every step, the plan guard every plan, and only approved plans reach the executor; a guard error
refuses. Cancelling a goal halts the arm between two control ticks.

The executor is the built-in simulator (parameter `scene`); a robot driver provides its own
`vlm_agent.core.tasks.executor.TaskExecutor` instead (see that module)."""
from __future__ import annotations

import threading

import rclpy
from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.executors import MultiThreadedExecutor
from std_msgs.msg import Header

from vlm_agent.action import ExecuteTask
from vlm_agent.core.backends import create_backend
from vlm_agent.core.perception.grounding import Grounder
from vlm_agent.core.perception.objects import STATUS_ERROR, GroundingResult
from vlm_agent.core.safety.guard import CommandGuard, load_guard_config
from vlm_agent.core.settings.nodes import TaskSettings
from vlm_agent.core.sim.faults import FaultConfig
from vlm_agent.core.tasks.sim_agent import sim_agent
from vlm_agent.core.tasks.steps import CANCELED
from vlm_agent.msg import Status
from vlm_agent.srv import Ground

from .common import AgentNode, run
from .conversions import grounding_to_ros, task_feedback_to_ros, task_result_to_ros


class TaskNode(AgentNode):
    settings_class = TaskSettings

    def __init__(self, **node_options):
        super().__init__("tasks", **node_options)
        s = self.settings
        scene, speedup, slip, embedding = s.scene, s.speedup, s.grasp_slip, s.guard_embedding
        self.base_frame = s.base_frame
        self.agent, self.world = sim_agent(scene, FaultConfig(grasp_slip=slip),
                                           guard=CommandGuard(load_guard_config(embedding=embedding)),
                                           speedup=speedup or None)
        self.perception = Grounder(create_backend("rgbd_geometry"))   # the service's own: tasks keep theirs
        self._busy, self._running, self._cancel = threading.Lock(), False, threading.Event()
        group = ReentrantCallbackGroup()
        self.action = ActionServer(self, ExecuteTask, "vlm_agent/execute", execute_callback=self._execute,
                                   goal_callback=self._goal, cancel_callback=self._cancel_requested,
                                   callback_group=group)
        self.create_service(Ground, "vlm_agent/ground", self._ground, callback_group=group)
        self.report(Status.INFO, f"tasks ready: vlm_agent/execute and vlm_agent/ground on scene '{scene}'")

    def _goal(self, goal: ExecuteTask.Goal) -> GoalResponse:
        with self._busy:   # taken from acceptance to the end of execution: one task at a time
            if self._running:
                self.report(Status.WARN, f"rejected task '{goal.text[:80]}': another task is running")
                return GoalResponse.REJECT
            self._running = True
        return GoalResponse.ACCEPT

    def _cancel_requested(self, goal_handle) -> CancelResponse:
        self._cancel.set()
        return CancelResponse.ACCEPT

    def _execute(self, goal_handle) -> ExecuteTask.Result:
        try:
            return self._run_goal(goal_handle)
        finally:
            with self._busy:
                self._running = False

    def _run_goal(self, goal_handle) -> ExecuteTask.Result:
        self._cancel.clear()
        text = goal_handle.request.text

        def feedback(step, total, stage, message):
            goal_handle.publish_feedback(task_feedback_to_ros(step, total, stage, message))
        try:
            report = self.agent.run(text, self._cancel, feedback)
        except Exception as exc:  # the action must answer; nothing runs after an error
            self.report(Status.ERROR, f"task '{text[:80]}' failed: {exc!r}")
            goal_handle.abort()
            return ExecuteTask.Result(status="error", explanation=f"internal error: {exc!r}")
        result = task_result_to_ros(report, Header(stamp=self.get_clock().now().to_msg(),
                                                   frame_id=self.base_frame))
        if report.status == CANCELED and goal_handle.is_cancel_requested:
            goal_handle.canceled()
        else:
            goal_handle.succeed()
        return result

    def _ground(self, request: Ground.Request, response: Ground.Response) -> Ground.Response:
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self.base_frame)
        try:
            result = self.perception.ground(self.agent.executor.observe(), request.text)
        except Exception as exc:  # perception failed: say so in the result, move nothing
            result = GroundingResult(STATUS_ERROR, f"grounding failed: {exc!r}", command_text=request.text)
        response.result = grounding_to_ros(result, "", header, self.base_frame)
        return response

    def destroy_node(self):
        self._cancel.set()
        self.world.close()
        super().destroy_node()


def main(args=None):
    # cancel and ground answer while a task runs
    run(TaskNode, args, executor=lambda: MultiThreadedExecutor(num_threads=4))


if __name__ == "__main__":
    main()
