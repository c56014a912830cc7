"""Diagnostics arithmetic: percentiles, rates, ages and levels (ROS-free)."""
import pytest

from vlm_agent.core.runtime.health import ERROR, OK, WARN, NodeHealth, RateMeter, summarise


def test_latency_percentiles_and_levels():
    health = NodeHealth()
    for ms in range(1, 101):
        health.latency("ground", ms)
    values = health.values(0.0)
    assert float(values["ground latency p50 (ms)"]) == pytest.approx(50.5)
    assert float(values["ground latency p95 (ms)"]) == pytest.approx(95.05, abs=0.06)
    assert health.latency_findings(200, 500) == []
    assert health.latency_findings(90, 500)[0].level == WARN
    assert health.latency_findings(10, 90)[0].level == ERROR


def test_rate_and_age_follow_the_given_clock_and_a_jump_back_clears_history():
    health = NodeHealth()
    assert health.age_finding("camera", 0.0, 1.0, 2.0, 0.5).level == ERROR  # nothing yet
    for i in range(11):
        health.saw_input("camera", 100.0 + i * 0.2, stamp=100.0 + i * 0.2)
    assert float(health.values(102.0)["camera rate (Hz)"]) == pytest.approx(5.0)
    assert health.age_finding("camera", 102.0, 1.0, 2.0, 0.5) is None
    assert health.age_finding("camera", 103.5, 1.0, 2.0, 0.5).level == WARN
    assert "stopped" in health.age_finding("camera", 110.0, 1.0, 2.0, 0.5).message
    assert "future" in health.age_finding("camera", 50.0, 1.0, 2.0, 0.5).message
    health.clock_jumped_back()
    assert health.values(50.0)["camera rate (Hz)"] == "0.00" and health.clock_jumps_back == 1


def test_summary_is_the_worst_level():
    meter = RateMeter()
    assert meter.rate(0.0) == 0.0
    assert summarise([]).level == OK
    health = NodeHealth()
    finding = summarise([None, *health.latency_findings(1, 2), health.age_finding("x", 0, 1, 2, 1)])
    assert finding.level == ERROR and "no x input" in finding.message
