"""/diagnostics (diagnostic_msgs/DiagnosticArray) at 1 Hz on the steady clock, so a node whose sim
time stopped still says so. Each node supplies `diagnose()` -> (Finding, {key: value})."""
from __future__ import annotations

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from rclpy.qos import QoSProfile
from std_msgs.msg import Header

DIAGNOSTICS_TOPIC = "/diagnostics"  # global, as diagnostic_aggregator and rqt_robot_monitor expect
PERIOD_S = 1.0


def diagnostic_status(name: str, level: int, message: str, values: dict[str, str]) -> DiagnosticStatus:
    return DiagnosticStatus(level=bytes([level]), name=name, message=message, hardware_id="vlm_agent",
                            values=[KeyValue(key=k, value=str(v)) for k, v in values.items()])


class DiagnosticsPublisher:
    def __init__(self, node, period_s: float = PERIOD_S):
        self.node = node
        self.publisher = node.create_publisher(DiagnosticArray, DIAGNOSTICS_TOPIC, QoSProfile(depth=10))
        self.timer = node.steady_timer(period_s, self.publish)

    def publish(self) -> None:
        finding, values = self.node.diagnose()
        name = f"vlm_agent {self.node.get_fully_qualified_name().lstrip('/')}"
        array = DiagnosticArray(header=Header(stamp=self.node.get_clock().now().to_msg()),
                                status=[diagnostic_status(name, finding.level, finding.message, values)])
        self.publisher.publish(array)
