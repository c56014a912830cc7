"""A latched input the guard relies on (people, the end-effector pose) that stops being trusted
the moment a second or unexpected publisher appears, and is trusted again only with a fresh
message after that publisher has gone (the subscription is made anew, so the legitimate
publisher's latched message is delivered again)."""
from __future__ import annotations

from vlm_agent.msg import Status

from .common import qualified_name


class TrustedInput:
    def __init__(self, node, msg_type, topic: str, qos, on_message, source: str = ""):
        self.node, self.msg_type, self.topic, self.qos = node, msg_type, topic, qos
        self.on_message, self.source = on_message, source
        self.problem = "no message yet"
        self.subscription = node.create_subscription(msg_type, topic, self._receive, qos)

    def publishers(self) -> list[str]:
        infos = self.node.get_publishers_info_by_topic(self.node.resolve_topic_name(self.topic))
        return sorted({qualified_name(i) for i in infos})

    def _doubt(self) -> str:
        nodes = self.publishers()
        if self.source and any(n != self.source for n in nodes):
            return f"{self.topic} has publisher(s) other than {self.source}: {', '.join(nodes)}"
        if len(nodes) > 1:
            return f"{self.topic} has {len(nodes)} publishers ({', '.join(nodes)}); it may be forged"
        return ""

    def _receive(self, msg):
        doubt = self._doubt()
        if doubt:
            self._set(doubt)
            return
        if not self.problem or self.problem == "no message yet" or self.problem.startswith("waiting"):
            self._set("")
            self.on_message(msg)

    def recheck(self) -> None:
        """Called periodically: doubt while strangers publish; once they are gone, listen anew."""
        doubt = self._doubt()
        if doubt:
            self._set(doubt)
        elif self.problem and not self.problem.startswith(("waiting", "no message")):
            self.node.destroy_subscription(self.subscription)
            self._set(f"waiting for a fresh message on {self.topic} after a second publisher left")
            self.subscription = self.node.create_subscription(self.msg_type, self.topic, self._receive, self.qos)

    def _set(self, problem: str) -> None:
        if problem == self.problem:
            return
        if problem and not problem.startswith("waiting"):
            self.node.report(Status.ERROR, f"{problem}; not trusted")
        elif not problem and self.problem.startswith("waiting"):
            self.node.report(Status.INFO, f"{self.topic} is trusted again")
        self.problem = problem
