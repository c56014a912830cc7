"""Spinning helpers for tests with real rclpy nodes."""
import time

import pytest

rclpy = pytest.importorskip("rclpy")


def spin_until(executor, condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        executor.spin_once(timeout_sec=0.02)
    return True
