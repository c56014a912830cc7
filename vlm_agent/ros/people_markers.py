"""RViz markers for detected people: a cylinder at each centroid, a sphere at the closest point,
the track id above; short-lived, so people who left disappear."""
from __future__ import annotations

from builtin_interfaces.msg import Duration
from std_msgs.msg import ColorRGBA
from visualization_msgs.msg import Marker, MarkerArray

LIFETIME = Duration(sec=1)
BODY_HEIGHT_M = 1.7


def people_markers(msg) -> MarkerArray:
    """From a vlm_agent/People message (base frame)."""
    markers = MarkerArray(markers=[Marker(header=msg.header, action=Marker.DELETEALL)])
    for index, person in enumerate(p for p in msg.people if p.has_position):
        body = Marker(header=msg.header, ns="vlm_agent/people", id=index, type=Marker.CYLINDER, action=Marker.ADD,
                      color=ColorRGBA(r=1.0, g=0.5, b=0.0, a=0.4), lifetime=LIFETIME)
        body.pose.position = person.centroid
        body.pose.orientation.w = 1.0
        body.scale.x = body.scale.y = 0.4
        body.scale.z = BODY_HEIGHT_M
        closest = Marker(header=msg.header, ns="vlm_agent/people_closest", id=index, type=Marker.SPHERE,
                         action=Marker.ADD, color=ColorRGBA(r=1.0, g=0.0, b=0.0, a=0.9), lifetime=LIFETIME)
        closest.pose.position = person.closest_point
        closest.pose.orientation.w = 1.0
        closest.scale.x = closest.scale.y = closest.scale.z = 0.05
        label = Marker(header=msg.header, ns="vlm_agent/people_labels", id=index, type=Marker.TEXT_VIEW_FACING,
                       action=Marker.ADD, text=f"{person.id} {person.score:.2f}",
                       color=ColorRGBA(r=1.0, g=1.0, b=1.0, a=1.0), lifetime=LIFETIME)
        label.pose.position.x, label.pose.position.y = person.centroid.x, person.centroid.y
        label.pose.position.z = person.centroid.z + 0.3
        label.pose.orientation.w = 1.0
        label.scale.z = 0.08
        markers.markers += [body, closest, label]
    return markers
