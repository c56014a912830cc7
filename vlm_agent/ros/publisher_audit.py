"""Who publishes on the topics that move the robot or tell it where things are (graph
introspection every second); strangers and second publishers are reported on vlm_agent/status."""
from __future__ import annotations

import time

from vlm_agent.core.safety.graph_audit import TopicRule, audit
from vlm_agent.msg import Status

from .common import qualified_name

SINGLE_SOURCE_TOPICS = ("camera/pose", "camera/color/image_raw", "camera/depth/image_raw", "camera/color/camera_info",
                        "robot/end_effector_pose")


class PublisherAudit:
    def __init__(self, node, peers, people_source: str = ""):
        self.node, self.peers, self.people_source = node, peers, people_source
        self.reported: dict[str, str] = {}

    def rules(self) -> tuple[TopicRule, ...]:
        own = self.node.get_fully_qualified_name()
        grounding = {p.node for p in self.peers.alive("grounding", time.monotonic())} | {own}
        return (TopicRule("vlm_agent/plan", frozenset({own})), TopicRule("vlm_agent/command", frozenset({own})),
                TopicRule("vlm_agent/grounding", frozenset(grounding), single=False),
                TopicRule("vlm_agent/people", frozenset({self.people_source}) if self.people_source else None),
                *(TopicRule(topic) for topic in SINGLE_SOURCE_TOPICS))

    def run(self) -> dict[str, str]:
        """{topic: problem} now; each new problem is reported once."""
        rules = self.rules()
        publishers = {rule.topic: [qualified_name(i) for i in self.node.get_publishers_info_by_topic(
            self.node.resolve_topic_name(rule.topic))] for rule in rules}
        problems = audit(publishers, rules)
        for topic, problem in problems.items():
            if self.reported.get(topic) != problem:
                self.node.report(Status.ERROR, f"{problem}; a forged or stray publisher?")
        self.reported = problems
        return problems
