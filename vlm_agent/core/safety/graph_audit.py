"""Who publishes on the topics that move the robot or tell it where things are. Without SROS2 any
participant on the domain can publish anything; this makes a stray or forged publisher visible."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TopicRule:
    topic: str
    allowed: frozenset[str] | None = None   # node names that may publish; None = any one node
    single: bool = True                     # at most one publishing node


def audit(publishers: dict[str, list[str]], rules: tuple[TopicRule, ...]) -> dict[str, str]:
    """{topic: problem} for every rule the current publishers break (node names, fully qualified)."""
    problems = {}
    for rule in rules:
        nodes = sorted(set(publishers.get(rule.topic, [])))
        if rule.allowed is not None:
            strangers = [n for n in nodes if n not in rule.allowed]
            if strangers:
                problems[rule.topic] = (f"unexpected publisher(s) {', '.join(strangers)} on {rule.topic} (only "
                                        f"{', '.join(sorted(rule.allowed)) or 'none'} may publish there)")
                continue
        if rule.single and len(nodes) > 1:
            problems[rule.topic] = f"{len(nodes)} publishers on {rule.topic} ({', '.join(nodes)}); expected one"
    return problems
