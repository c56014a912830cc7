"""Task node: the ExecuteTask action (vlm_agent/execute) and the Ground service (vlm_agent/ground)
on a simulator of its own, for use without the graph (the graph's sim node serves the same action
on its world, see sim_tasks.py).

The executor is the built-in simulator (parameter `scene`); a robot driver provides its own
`vlm_agent.core.tasks.executor.TaskExecutor` instead (see that module)."""
from __future__ import annotations

from rclpy.executors import MultiThreadedExecutor

from vlm_agent.core.safety.guard import CommandGuard, load_guard_config
from vlm_agent.core.settings.nodes import TaskSettings
from vlm_agent.core.sim.faults import FaultConfig
from vlm_agent.core.tasks.sim_agent import sim_agent
from vlm_agent.msg import Status

from .common import AgentNode, run
from .task_server import TaskServer


class TaskNode(AgentNode):
    settings_class = TaskSettings

    def __init__(self, **node_options):
        super().__init__("tasks", **node_options)
        s = self.settings
        self.agent, self.world = sim_agent(s.scene, FaultConfig(grasp_slip=s.grasp_slip),
                                           guard=CommandGuard(load_guard_config(embedding=s.guard_embedding)),
                                           speedup=s.speedup or None)
        self.server = TaskServer(self, self.agent, s.base_frame, s.task_audit_log, self.report)
        self.report(Status.INFO, f"tasks ready: vlm_agent/execute and vlm_agent/ground on scene '{s.scene}'")

    def destroy_node(self):
        self.server.cancel.set()
        self.world.close()
        super().destroy_node()


def main(args=None):
    run(TaskNode, args, executor=lambda: MultiThreadedExecutor(num_threads=4))


if __name__ == "__main__":
    main()
