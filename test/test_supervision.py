"""The ROS-free parts of reliability: one outcome per command, peers by heartbeat, stop intent,
bounded waits, rigid transforms and the data-file resolver."""
import threading
import time

import numpy as np
import pytest

from vlm_agent.core.runtime.deadline import DeadlineExceeded, DeadlineRunner
from vlm_agent.core.errors import InputError
from vlm_agent.core.resources import data_file
from vlm_agent.core.safety.stop_intent import is_stop_command
from vlm_agent.core.runtime.supervision import CommandTracker, PeerMonitor
from vlm_agent.core.perception.transforms import rigid_transform_problem


def test_each_command_gets_exactly_one_outcome_whatever_order_messages_come_in():
    tracker = CommandTracker(stage_timeout_s=5.0)
    tracker.expect("c1", "point at the cube", "grounding", now=0.0)
    assert tracker.on_explanation("c1", True, "I will point", 0.1) is None  # overtook its result
    assert tracker.on_result("c1", "ok", "", 0.2) is None
    assert tracker.stage("c1") == "plan_check"
    assert tracker.on_plan_verdict("c1", True, "ok", 0.3, execution_deadline_s=2.0) is None
    assert tracker.on_execution("c1", "executing", "step 1 of 2", 0.4) is None
    outcome = tracker.on_execution("c1", "succeeded", "pointed", 0.5)
    assert (outcome.status, outcome.text) == ("executed", "point at the cube")
    assert tracker.on_execution("c1", "succeeded", "again", 0.6) is None
    assert tracker.finish("c1", "error", "late") is None


def test_silence_at_a_stage_ends_the_command_and_names_who_was_silent():
    tracker = CommandTracker(stage_timeout_s=5.0)
    tracker.expect("c1", "a", "grounding", now=0.0)
    tracker.expect("c2", "b", "grounding", now=0.0)
    tracker.on_result("c2", "ok", "", 1.0)
    tracker.on_explanation("c2", True, "", 1.0)
    tracker.on_plan_verdict("c2", True, "", 1.0, execution_deadline_s=2.0)
    assert tracker.overdue(2.9) == []
    [late_execution] = tracker.overdue(3.1)
    assert late_execution.command_id == "c2" and late_execution.status == "not_executed"
    assert "executor" in late_execution.message
    [silent_grounding] = tracker.overdue(5.1)
    assert silent_grounding.status == "error" and "grounding node" in silent_grounding.message


def test_a_role_that_goes_down_fails_only_the_commands_waiting_on_it():
    tracker = CommandTracker()
    tracker.expect("c1", "a", "grounding", now=0.0)
    tracker.expect("c2", "b", "planner", now=0.0)
    outcomes = tracker.abandoned({"grounding": "the grounding node is not running", "planner": ""})
    assert [(o.command_id, o.status) for o in outcomes] == [("c1", "error")]
    assert tracker.stage("c2") == "planner"


def test_peers_are_alive_while_they_beat_and_two_of_a_role_are_a_problem():
    peers = PeerMonitor(timeout_s=2.0, started=0.0)
    assert not peers.settled(1.0) and peers.settled(2.5)
    assert "not running" in peers.problem("grounding", 1.0)
    peers.saw("grounding", "a", "/grounding", 1.0)
    assert peers.problem("grounding", 2.9) == ""
    assert "not running" in peers.problem("grounding", 3.1)
    peers.saw("grounding", "b", "/other/grounding", 3.0)
    peers.saw("grounding", "a", "/grounding", 3.0)
    assert "2 instances" in peers.problem("grounding", 3.5)
    peers.saw("guard", "g", "/guard", 3.0, ready=False, detail="bad config")
    assert "not ready: bad config" in peers.problem("guard", 3.5)


@pytest.mark.parametrize("text", ["stop", "STOP!", "Halt.", "freeze", "emergency stop", "E-Stop!!", "robot, stop now",
                                  "please stop moving", "stop everything", "whoa, stop", "Stopp!", "arrête"])
def test_stop_commands(text):
    assert is_stop_command(text)


@pytest.mark.parametrize("text", ["stop the cube from rolling off", "pick up the stop sign", "put the red cube on the "
                                  "plate", "don't stop at the blue cube, go to the plate", "", "what is a bus stop?"])
def test_commands_that_are_not_stops(text):
    assert not is_stop_command(text)


def test_a_slow_call_is_abandoned_at_its_deadline():
    runner = DeadlineRunner()
    release = threading.Event()
    start = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        runner.call(0.1, release.wait, 5.0)
    assert time.monotonic() - start < 1.0
    release.set()
    assert runner.call(1.0, lambda: 42) == 42
    runner.close()


def test_rigid_transforms():
    rotation = np.array([[0, -1, 0, 0.5], [1, 0, 0, 0], [0, 0, 1, 0.3], [0, 0, 0, 1]], float)
    assert rigid_transform_problem(rotation) == ""
    assert "orthonormal" in rigid_transform_problem(np.diag([1.0, 1.0, 1.3, 1.0]))
    assert "reflection" in rigid_transform_problem(np.diag([1.0, 1.0, -1.0, 1.0]))
    assert "non-finite" in rigid_transform_problem(np.full((4, 4), np.nan))


def test_data_files_resolve_and_missing_ones_say_where_they_were_looked_for():
    assert data_file("config/guard.yaml").name == "guard.yaml"
    with pytest.raises(InputError, match="config/nothing.yaml.*looked in"):
        data_file("config/nothing.yaml")
