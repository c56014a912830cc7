"""A task agent wired to the built-in simulator: what the CLI, the benchmark and the tests run."""
from __future__ import annotations

from ..backends import create_backend
from ..perception.grounding import Grounder
from ..safety.guard import CommandGuard, load_guard_config
from ..sim.faults import FaultConfig
from ..sim.scene import SceneSpec, load_scene
from ..sim.task_executor import SimTaskExecutor
from ..sim.world import TabletopWorld
from .agent import AgentConfig, TaskAgent


def sim_agent(scene: str | SceneSpec, faults: FaultConfig = FaultConfig(), guard: CommandGuard | None = None,
              speedup: float | None = None, config: AgentConfig = AgentConfig(),
              synonyms=None) -> tuple[TaskAgent, TabletopWorld]:
    """(agent, world); close the world when done. Raises InputError for a bad scene or fault."""
    spec = load_scene(scene) if isinstance(scene, str) else scene
    world = TabletopWorld(spec)
    try:
        executor = SimTaskExecutor(world, faults, speedup)
        guard = guard or CommandGuard(load_guard_config())
        agent = TaskAgent(executor, guard, Grounder(create_backend("rgbd_geometry"), synonyms), config=config)
    except Exception:
        world.close()
        raise
    return agent, world
