"""RViz markers for a grounding result: a box per object (a small sphere where a detector gave a
position but no extent), a label above it."""
from __future__ import annotations

from builtin_interfaces.msg import Duration
from std_msgs.msg import ColorRGBA, Header
from visualization_msgs.msg import Marker, MarkerArray

from vlm_agent.core.perception.objects import GroundingResult

from .conversions import pose_stamped

ROLE_COLORS = {"target": (0.1, 0.9, 0.1), "destination": (0.2, 0.4, 1.0), "other": (0.7, 0.7, 0.7)}
UNKNOWN_EXTENT_M = (0.03, 0.03, 0.03)


def result_markers(result: GroundingResult, header: Header) -> MarkerArray:
    """Boxes in the camera frame (where every object has a pose); cleared and redrawn per result."""
    markers = MarkerArray(markers=[Marker(header=header, action=Marker.DELETEALL)])
    roles = [(m, "other") for m in result.candidates]
    roles += [(m, role) for m, role in ((result.target, "target"), (result.destination, "destination")) if m]
    for index, (match, role) in enumerate(roles):
        obj = match.obj
        if obj.center_camera is None:
            continue
        pose = pose_stamped(header, obj.center_camera, obj.rotation_camera).pose
        r, g, b = ROLE_COLORS[role]
        extent = UNKNOWN_EXTENT_M if obj.size is None else obj.size
        box = Marker(header=header, ns=f"vlm_agent/{role}", id=index, action=Marker.ADD, pose=pose,
                     type=Marker.SPHERE if obj.size is None else Marker.CUBE,
                     color=ColorRGBA(r=r, g=g, b=b, a=0.5), lifetime=Duration(sec=30))
        box.scale.x, box.scale.y, box.scale.z = (max(float(v), 0.005) for v in extent)
        text = Marker(header=header, ns="vlm_agent/labels", id=index, type=Marker.TEXT_VIEW_FACING,
                      action=Marker.ADD, pose=pose, text=f"{obj.description} {match.score:.2f}",
                      color=ColorRGBA(r=1.0, g=1.0, b=1.0, a=1.0), lifetime=Duration(sec=30))
        text.pose.position.y -= float(extent[2]) + 0.03  # camera y points down: label above the box
        text.scale.z = 0.025
        markers.markers += [box, text]
    return markers
