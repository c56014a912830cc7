"""What the agent remembers across steps and commands: the object last acted on ("it") and what
it holds, so "pick up the red cube" ... "now put it on the plate" and "the other one" work."""
from __future__ import annotations

from dataclasses import dataclass

from ..perception.objects import SceneObject
from .steps import ObjectRef


@dataclass
class TaskContext:
    last: ObjectRef | None = None          # "it", "them", and what "the other one" is not
    held: ObjectRef | None = None          # the object in the gripper, if the agent put it there
    held_object: SceneObject | None = None  # as perceived when it was picked (its size sets the release height)

    def forget_held(self) -> None:
        self.held, self.held_object = None, None
