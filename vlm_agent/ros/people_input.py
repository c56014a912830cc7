"""The latest people from the configured detector (vlm_agent/people), as grounding candidates:
"give the cup to the person" resolves to a person the people node sees now."""
from __future__ import annotations

import time

from vlm_agent.core.perception.people_objects import people_objects
from vlm_agent.msg import People

from .common import PEOPLE_QOS
from .conversions import people_from_ros
from .trusted_input import TrustedInput


class PeopleInput:
    def __init__(self, node, settings):
        """settings: the node's, with base_frame, people_source and people_max_age_s (PeopleTrustSettings)."""
        self.node, self.base_frame = node, settings.base_frame
        self.people, self.received_at = [], None
        self.input = TrustedInput(node, People, "vlm_agent/people", PEOPLE_QOS, self._on_people,
                                  settings.people_source)
        node.steady_timer(1.0, self.input.recheck)

    @property
    def max_age_s(self) -> float:
        return self.node.settings.people_max_age_s

    def _on_people(self, msg: People):
        if msg.header.frame_id == self.base_frame:
            self.people, self.received_at = people_from_ros(msg), time.monotonic()

    def objects(self, base_from_camera) -> tuple:
        """People seen within max_age_s from a trusted detector, as SceneObjects; () otherwise."""
        fresh = self.received_at is not None and time.monotonic() - self.received_at <= self.max_age_s
        if not fresh or self.input.problem:
            return ()
        return tuple(people_objects(self.people, base_from_camera))
