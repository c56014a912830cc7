"""People <-> vlm_agent/People round trip, and the points separation checks use."""
import pytest
from std_msgs.msg import Header

from vlm_agent.core.perception.people import PersonDetection, PersonObservation
from vlm_agent.core.perception.people_tracking import TrackedPerson
from vlm_agent.ros.conversions import people_from_ros, people_points_from_ros, people_to_ros

pytestmark = pytest.mark.ros


def test_people_round_trip_keeps_ids_boxes_and_positions():
    located = PersonObservation(PersonDetection(0.9, (1, 2, 30, 40), (5, 5, 10, 10)), (0.1, 0.2, 1.5),
                                (1.5, 0.1, 0.5), (1.3, 0.1, 0.4), (0.1, 0.2, 1.3))
    unlocated = PersonObservation(PersonDetection(0.6, (50, 2, 80, 40), (55, 5, 60, 10)))
    msg = people_to_ros([TrackedPerson("person_1", located, 3), TrackedPerson("person_2", unlocated, 1)],
                        Header(frame_id="base_link"))
    back = people_from_ros(msg)
    assert [p["id"] for p in back] == ["person_1", "person_2"]
    assert back[0]["bbox_xyxy"] == [1, 2, 30, 40] and back[0]["score"] == pytest.approx(0.9)
    assert back[0]["centroid"] == pytest.approx((1.5, 0.1, 0.5)) and back[0]["closest_point"] == pytest.approx(
        (1.3, 0.1, 0.4))
    assert back[1]["centroid"] is None and back[1]["closest_point"] is None
    assert people_points_from_ros(msg) == [pytest.approx((1.3, 0.1, 0.4))]
