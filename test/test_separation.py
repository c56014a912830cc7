"""Speed and separation monitoring: zones, hold-until-clear, stale detector (fail closed or warn)."""
import pytest

from vlm_agent.core.safety.separation import (CLEAR, SLOW, STALE, STOP, SeparationConfig, SeparationMonitor,
                                              path_distance)

CONFIG = SeparationConfig(stop_distance=0.3, slow_distance=0.6, slow_speed=0.05, clear_time_s=1.0, max_age_s=0.5)
POSE = (0.3, 0.0, 0.3)


def test_path_distance_covers_pose_and_remaining_path():
    assert path_distance((0.3, 1.0), POSE) == pytest.approx(1.0)
    assert path_distance((0.6, 0.5), POSE, [(0.9, 0.0, 0.1)]) == pytest.approx(0.5)


def test_zones_from_distance_to_the_path():
    monitor = SeparationMonitor(CONFIG)
    monitor.update_people([(0.3, 2.0, 0.0)], 0.0)
    assert monitor.state(0.1, POSE).zone == CLEAR
    monitor.update_people([(0.8, 0.45, 0.0)], 0.1)     # 0.45 m from the path ahead
    slow = monitor.state(0.2, POSE, [(0.8, 0.0, 0.1)])
    assert (slow.zone, slow.speed_cap) == (SLOW, 0.05) and "0.45 m" in slow.reason
    monitor.update_people([(0.8, 0.1, 0.0)], 0.2)
    stop = monitor.state(0.25, POSE, [(0.8, 0.0, 0.1)])
    assert (stop.zone, stop.speed_cap) == (STOP, 0.0)


def test_restrictions_hold_until_the_zone_was_clear_for_clear_time():
    monitor = SeparationMonitor(CONFIG)
    monitor.update_people([(0.35, 0.0, 0.0)], 0.0)
    assert monitor.state(0.0, POSE).zone == STOP
    monitor.update_people([(0.3, 0.5, 0.0)], 0.1)       # stepped back into the slow zone
    assert monitor.state(0.1, POSE).zone == STOP
    monitor.update_people([(0.3, 0.5, 0.0)], 0.5)
    assert monitor.state(0.9, POSE).zone == STOP
    monitor.update_people([(0.3, 0.5, 0.0)], 1.0)
    assert monitor.state(1.15, POSE).zone == SLOW      # 1.05 s after the stop zone cleared
    monitor.update_people([], 1.2)
    assert monitor.state(1.3, POSE).zone == SLOW
    monitor.update_people([], 2.2)
    resumed = monitor.state(2.35, POSE)
    assert resumed.zone == CLEAR and resumed.speed_cap is None and "resuming" in resumed.reason


def test_a_person_coming_back_restarts_the_clear_timer():
    monitor = SeparationMonitor(CONFIG)
    monitor.update_people([(0.35, 0.0, 0.0)], 0.0)
    monitor.state(0.0, POSE)
    monitor.update_people([], 0.1)
    monitor.state(0.5, POSE)
    monitor.update_people([(0.35, 0.0, 0.0)], 0.6)
    assert monitor.state(0.6, POSE).zone == STOP
    monitor.update_people([], 0.7)
    assert monitor.state(1.2, POSE).zone == STOP       # only 0.5 s clear since it came back


def test_stale_detector_stops_or_warns():
    monitor = SeparationMonitor(CONFIG)
    assert monitor.state(0.0, POSE).speed_cap == 0.0   # nothing received yet: fail closed
    monitor.update_people([], 0.0)
    assert monitor.state(0.2, POSE).speed_cap == 0.0   # back, but it must stay fresh and clear for clear_time_s
    monitor.update_people([], 1.0)
    assert monitor.state(1.2, POSE).zone == CLEAR
    stale = monitor.state(1.6, POSE)
    assert (stale.zone, stale.speed_cap) == (STALE, 0.0) and "detector is down" in stale.reason
    warn = SeparationMonitor(SeparationConfig(on_stale="warn"))
    state = warn.state(0.0, POSE)
    assert state.zone == STALE and state.speed_cap is None and state.reason.startswith("WARNING")


@pytest.mark.parametrize("kwargs", [{"stop_distance": 0.7, "slow_distance": 0.6}, {"on_stale": "ignore"},
                                    {"slow_speed": 0.0}])
def test_bad_config_is_refused(kwargs):
    with pytest.raises(ValueError):
        SeparationConfig(**kwargs)
