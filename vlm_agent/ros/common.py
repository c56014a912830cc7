"""What every node shares: parameter declaration, QoS profiles, status reports, main()."""
from __future__ import annotations

import sys
import traceback

import rclpy
from rcl_interfaces.msg import ParameterDescriptor
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

from vlm_agent.msg import Status

RELIABILITY = {"reliable": ReliabilityPolicy.RELIABLE, "best_effort": ReliabilityPolicy.BEST_EFFORT}

# commands, results, plans, explanations: every message matters
EVENTS_QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.VOLATILE)
# status, verdicts, camera pose: late joiners get the latest
LATCHED_QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE,
                         durability=DurabilityPolicy.TRANSIENT_LOCAL)


def sensor_qos(reliability: str) -> QoSProfile:
    """Latest frame only (depth 1)."""
    if reliability not in RELIABILITY:
        raise ValueError(f"image_reliability must be one of {sorted(RELIABILITY)}, got '{reliability}'")
    return QoSProfile(depth=1, history=HistoryPolicy.KEEP_LAST, reliability=RELIABILITY[reliability],
                      durability=DurabilityPolicy.VOLATILE)


class AgentNode(Node):
    """Node with described parameters and a status topic shared by the whole graph."""

    def __init__(self, name: str, **node_options):
        super().__init__(name, **node_options)
        self._status_pub = self.create_publisher(Status, "vlm_agent/status", LATCHED_QOS)

    def param(self, name: str, default, description: str):
        descriptor = ParameterDescriptor(description=description)
        return self.declare_parameter(name, default, descriptor).value

    def report(self, level: int, message: str) -> None:
        """Log and publish on vlm_agent/status."""
        logger = self.get_logger()
        if level == Status.ERROR:  # one call site per severity: rclpy forbids mixing them
            logger.error(message)
        elif level == Status.WARN:
            logger.warning(message)
        else:
            logger.info(message)
        msg = Status(node=self.get_fully_qualified_name(), level=level, message=message)
        msg.header.stamp = self.get_clock().now().to_msg()
        self._status_pub.publish(msg)


def run(node_class, args=None) -> None:
    """Standard main(): spin until Ctrl-C or shutdown, always clean up."""
    rclpy.init(args=args if args is not None else sys.argv)
    node = None
    try:
        node = node_class()
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except Exception:  # a node that cannot start says why before exiting
        traceback.print_exc()
        raise SystemExit(1)
    finally:
        if node is not None:
            node.destroy_node()
        rclpy.try_shutdown()
