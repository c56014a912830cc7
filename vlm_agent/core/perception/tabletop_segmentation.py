"""Objects on a support plane from one RGB-D frame: Open3D RANSAC plane + DBSCAN clusters.

Each cluster gets a plane-aligned box: its footprint is the minimum-area rectangle of the
points projected on the plane (the visible top and sides cover the whole footprint), its
height runs from the plane to the highest point. That centre is unbiased by which faces
the camera sees, unlike the centroid of the visible points.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np
import open3d as o3d

from .attributes import pixel_color_classes
from .corner_moment import corner_moment
from .cluster_split import split_stack, split_touching
from .depth_filter import noise_coefficient, smooth_depth
from ..errors import InputError
from .frame import RGBDFrame


@dataclass(frozen=True)
class SegmentationParams:
    pixel_stride: int = 2               # at 640 px wide; scaled with the width so the grid stays ~320 wide
    max_range_m: float = 3.0
    plane_distance_m: float = 0.006
    plane_sample_points: int = 6000
    min_height_m: float = 0.007
    max_height_m: float = 0.6
    cluster_eps_m: float = 0.012
    cluster_min_points: int = 12
    min_object_points: int = 25
    color_split_fraction: float = 0.08  # a cluster with two colours holding this share each is split
    ransac_seed: int = 7
    smooth_depth: bool = True           # edge-preserving filter before anything is measured
    noise_floor_sigmas: float = 3.0     # points closer to the plane than this many noise sigmas are table


@dataclass(frozen=True, eq=False)
class SupportPlane:
    normal: np.ndarray  # unit, pointing to the camera's side
    offset: float       # plane: normal . p + offset = 0

    def height(self, points: np.ndarray) -> np.ndarray:
        return points @ self.normal + self.offset

    def basis(self) -> np.ndarray:
        """Rows e1, e2 spanning the plane, with e1 x e2 = normal."""
        helper = np.array([1.0, 0, 0]) if abs(self.normal[0]) < 0.9 else np.array([0, 1.0, 0])
        e1 = np.cross(helper, self.normal)
        e1 /= np.linalg.norm(e1)
        return np.stack([e1, np.cross(self.normal, e1)])


@dataclass(frozen=True, eq=False)
class Segment:
    rows: np.ndarray       # pixel rows of the cluster's points
    cols: np.ndarray
    points: np.ndarray     # (N, 3) camera frame
    center: np.ndarray     # (3,) camera frame, plane-aligned box centre
    rotation: np.ndarray   # (3, 3) columns: box x, box y, plane normal (camera frame)
    size: np.ndarray       # (3,) box extent
    footprint_fill: float  # convex-hull area / footprint rectangle area (1 square, ~0.79 disc)
    top_fraction: float    # share of points within 5% of the top (high for flat tops)
    occluded_fraction: float = 0.0  # share of the outline hidden by something closer
    circle_fill: float = 0.0        # convex-hull area / smallest enclosing circle area (1 disc, ~0.64 square)
    top_area_fraction: float = 0.0  # footprint share covered by points in the top band (~1 flat top, low dome)
    noise_m: float = 0.0            # depth noise sigma at the object, after filtering
    silhouette_roundness: float = -1.0  # image colour silhouette: hull / enclosing-circle area (-1: unknown)
    top_corners: float = -1.0       # top face's corner moment (corner_moment.py: ~0.43 square, ~0 disc; -1 unknown)
    top_points: int = 0             # points in the top band, which measured top_corners

    @property
    def bbox_xyxy(self) -> tuple[float, float, float, float]:
        return (float(self.cols.min()), float(self.rows.min()), float(self.cols.max() + 1), float(self.rows.max() + 1))


def backproject(frame: RGBDFrame, stride: int, max_range: float, strided_depth: np.ndarray | None = None):
    """Points of every stride-th pixel; strided_depth replaces frame.depth_m[::stride, ::stride]."""
    k = frame.intrinsics
    depth = frame.depth_m[::stride, ::stride] if strided_depth is None else strided_depth
    rows, cols = np.mgrid[0:frame.depth_m.shape[0]:stride, 0:frame.depth_m.shape[1]:stride]
    valid = np.isfinite(depth) & (depth > 0) & (depth < max_range)
    z = depth[valid]
    rows, cols = rows[valid], cols[valid]
    points = np.stack([(cols - k.cx) * z / k.fx, (rows - k.cy) * z / k.fy, z], axis=1)
    return points.astype(np.float64), rows, cols


def fit_support_plane(points: np.ndarray, params: SegmentationParams) -> SupportPlane:
    if len(points) < 100:
        raise InputError(f"only {len(points)} valid depth points: cannot find the table plane")
    rng = np.random.default_rng(params.ransac_seed)
    sample = points[rng.choice(len(points), min(len(points), params.plane_sample_points), replace=False)]
    (a, b, c, d), inliers = _ransac_plane(sample, params.plane_distance_m, 200, rng)
    if len(inliers) < 0.2 * len(sample):
        raise InputError("no dominant support plane in view (fewer than 20% of depth points lie on one plane)")
    normal = np.array([a, b, c]) / np.linalg.norm([a, b, c])
    offset = d / np.linalg.norm([a, b, c])
    if offset < 0:  # the camera (origin) must be on the positive side
        normal, offset = -normal, -offset
    return SupportPlane(normal, float(offset))


def _ransac_plane(points: np.ndarray, distance: float, iterations: int, rng: np.random.Generator):
    """Seeded RANSAC, then least-squares refits on the inliers: the same points give the same plane on
    every run (Open3D's parallel RANSAC did not: the table plane, and so the objects' heights and
    shapes, could change from one run to the next), and the refit averages the depth noise."""
    triples = rng.integers(0, len(points), size=(iterations, 3))
    p0, p1, p2 = points[triples[:, 0]], points[triples[:, 1]], points[triples[:, 2]]
    normals = np.cross(p1 - p0, p2 - p0)
    norms = np.linalg.norm(normals, axis=1)
    good = norms > 1e-12
    normals = normals[good] / norms[good, None]
    offsets = -np.einsum("ij,ij->i", normals, p0[good])
    counts = (np.abs(points @ normals.T + offsets) < distance).sum(axis=0)
    normal, offset = normals[int(np.argmax(counts))], offsets[int(np.argmax(counts))]
    for _ in range(3):
        inliers = np.flatnonzero(np.abs(points @ normal + offset) < distance)
        if len(inliers) < 3:
            break
        centre = points[inliers].mean(axis=0)
        normal = np.linalg.svd(points[inliers] - centre, full_matrices=False)[2][2]
        offset = -float(normal @ centre)
    inliers = np.flatnonzero(np.abs(points @ normal + offset) < distance)
    return (*normal, offset), inliers


NOISE_WINDOW_M = 0.015      # plane residuals within this window measure the depth noise
NOISE_TO_SMOOTH_M = 0.0005  # depth noise (sigma at the median range) above which depth is filtered


def grid_stride(params: SegmentationParams, width: int) -> int:
    return params.pixel_stride * max(1, round(width / 640))


def segment_objects(frame: RGBDFrame, params: SegmentationParams = SegmentationParams()):
    """Return (plane, segments) for the objects standing on the dominant plane."""
    params = replace(params, pixel_stride=grid_stride(params, frame.depth_m.shape[1]))
    depth = frame.depth_m[::params.pixel_stride, ::params.pixel_stride]
    points, rows, cols = backproject(frame, params.pixel_stride, params.max_range_m, depth)
    plane = fit_support_plane(points, params)
    heights = plane.height(points)
    on_plane = np.abs(heights) < NOISE_WINDOW_M
    coefficient = noise_coefficient(heights[on_plane], points[on_plane, 2])
    if params.smooth_depth and coefficient * np.median(points[:, 2]) ** 2 > NOISE_TO_SMOOTH_M:
        # filter as strongly as the measured noise asks: edges a few noise sigmas high stay sharp
        sigma = coefficient * float(np.median(points[:, 2])) ** 2
        depth = smooth_depth(depth, sigma_depth_m=float(np.clip(3 * sigma, 0.004, 0.02)))
        points, rows, cols = backproject(frame, params.pixel_stride, params.max_range_m, depth)
        heights = plane.height(points)
        on_plane = np.abs(heights) < NOISE_WINDOW_M
        coefficient = noise_coefficient(heights[on_plane], points[on_plane, 2])
    floor = np.maximum(params.min_height_m, params.noise_floor_sigmas * coefficient * points[:, 2] ** 2)
    above = (heights > floor) & (heights < params.max_height_m)
    points, rows, cols, heights = points[above], rows[above], cols[above], heights[above]
    if len(points) < params.min_object_points:
        return plane, []
    colors = pixel_color_classes(frame.rgb[rows, cols])
    basis = plane.basis()
    uv, noise = points @ basis.T, coefficient * points[:, 2] ** 2
    clusters = _clusters(points, colors, params)
    parts = [part for member in clusters
             for part in _geometric_parts(member, uv, heights, noise, params,
                                          max(_outline_hidden(frame, plane, rows[member], cols[member],
                                                              points[member], params),
                                              _carries_another(member, clusters, uv, heights)))]
    noises = [float(np.median(coefficient * points[part, 2] ** 2)) for part in parts]
    segments = [_plane_aligned_box(plane, basis, points[part], heights[part], rows[part], cols[part], noise)
                for part, noise in zip(parts, noises)]
    segments = [_rest_on_support(plane, basis, segments, index, heights[part], noise)
                for index, (part, noise) in enumerate(zip(parts, noises))]
    return plane, [replace(segment, occluded_fraction=occluded_fraction(frame, plane, segment, params),
                           silhouette_roundness=silhouette_roundness(frame, plane, segment, params.pixel_stride))
                   for segment in segments if segment.size[2] >= params.min_height_m]


SILHOUETTE_MAX_AREA_RATIO = 1.3  # colour component / segment pixels above this: it holds more than the object
SILHOUETTE_MIN_TILT_DEG = 25.0   # seen more steeply from above, a cylinder's outline is a disc too


def silhouette_roundness(frame: RGBDFrame, plane: SupportPlane, segment: Segment, stride: int) -> float:
    """How round the object's outline is in the colour image (convex hull / smallest enclosing circle:
    ~0.9 for a ball, <= ~0.8 for cylinders, cubes and boxes seen obliquely). The colour image carries
    no depth noise, so this holds for small objects where the depth dome is lost in the noise. -1 when
    it is not a clean measure: an unsaturated colour (it may be the table's), a colour region that runs
    past the object (a same-colour neighbour) or out of the window, or a view from nearly straight above."""
    ray = segment.center / max(float(np.linalg.norm(segment.center)), 1e-9)
    if np.degrees(np.arccos(min(abs(float(ray @ plane.normal)), 1.0))) < SILHOUETTE_MIN_TILT_DEG:
        return -1.0
    height, width = frame.rgb.shape[:2]
    margin = 3 * stride
    r0, c0 = max(int(segment.rows.min()) - margin, 0), max(int(segment.cols.min()) - margin, 0)
    r1, c1 = min(int(segment.rows.max()) + margin + 1, height), min(int(segment.cols.max()) + margin + 1, width)
    patch = frame.rgb[r0:r1, c0:c1]
    classes = pixel_color_classes(patch.reshape(-1, 3)).reshape(patch.shape[:2])
    own = classes[segment.rows - r0, segment.cols - c0]
    values, counts = np.unique(own, return_counts=True)
    major = values[np.argmax(counts)]
    if major < 0:
        return -1.0
    _, labels = cv2.connectedComponents((classes == major).astype(np.uint8))
    inside = labels[segment.rows - r0, segment.cols - c0]
    inside = inside[inside > 0]
    if inside.size == 0:
        return -1.0
    component = (labels == np.bincount(inside).argmax()).astype(np.uint8)
    if component[0].any() or component[-1].any() or component[:, 0].any() or component[:, -1].any() or \
            component.sum() > SILHOUETTE_MAX_AREA_RATIO * len(segment.rows) * stride ** 2:
        return -1.0
    contours, _ = cv2.findContours(component, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    outline = max(contours, key=cv2.contourArea)
    _, radius = cv2.minEnclosingCircle(outline)
    return float(cv2.contourArea(cv2.convexHull(outline)) / max(np.pi * radius ** 2, 1e-9))


def _geometric_parts(member, uv, heights, noise, params: SegmentationParams, outline_hidden: float):
    """A same-colour cluster split where geometry shows a stack or touching objects. An outline partly
    hidden by something closer is not split by its shape: the notch may be the hidden part."""
    stack = split_stack(uv[member], heights[member], float(np.median(noise[member])))
    if stack is not None:
        return [member[index] for index in stack]
    if outline_hidden > OUTLINE_HIDDEN_NO_SPLIT:
        return [member]
    touching = split_touching(uv[member].astype(np.float64), heights[member], params.min_object_points)
    return [member[index] for index in touching] if touching is not None else [member]


def _carries_another(member, clusters, uv, heights) -> float:
    """1 when another cluster stands over this one's footprint, off the table (it rests on it: the
    part of this outline it hides is no reason to split), else 0."""
    hull = cv2.convexHull(uv[member].astype(np.float32))
    for other in clusters:
        if other is member or np.percentile(heights[other], 5) < 0.015:
            continue
        centre = uv[other].mean(axis=0)
        if cv2.pointPolygonTest(hull, (float(centre[0]), float(centre[1])), False) >= 0:
            return 1.0
    return 0.0


def _rest_on_support(plane, basis, segments: list, index: int, heights: np.ndarray, noise: float):
    """A segment whose lowest points stand well above the table, over another segment whose top is
    that high, rests on it: its box then starts at the supporter's top, not at the table."""
    segment = segments[index]
    low = float(np.percentile(heights, 3))
    if low < 0.015:
        return segment
    centre_uv = (segment.center @ basis.T).astype(np.float32)
    for other in segments:
        if other is segment or other.size[2] > low + max(0.01, 3 * noise) or other.size[2] < low - 0.02:
            continue
        hull = cv2.convexHull((other.points @ basis.T).astype(np.float32))
        if cv2.pointPolygonTest(hull, (float(centre_uv[0]), float(centre_uv[1])), False) >= 0:
            return _plane_aligned_box(plane, basis, segment.points, heights, segment.rows, segment.cols, noise,
                                      bottom=float(other.size[2]))
    return segment


OUTLINE_HIDDEN_NO_SPLIT = 0.05


def occluded_fraction(frame: RGBDFrame, plane: SupportPlane, segment: Segment, params: SegmentationParams) -> float:
    """Share of the segment's image outline bordered by an object closer to the camera."""
    return _outline_hidden(frame, plane, segment.rows, segment.cols, segment.points, params)


def _outline_hidden(frame, plane, seg_rows, seg_cols, seg_points, params) -> float:
    stride, margin = params.pixel_stride, 3
    r0, c0 = max(int(seg_rows.min()) // stride - margin, 0), max(int(seg_cols.min()) // stride - margin, 0)
    r1, c1 = int(seg_rows.max()) // stride + margin + 1, int(seg_cols.max()) // stride + margin + 1
    mask = np.zeros((r1 - r0, c1 - c0), np.uint8)
    mask[seg_rows // stride - r0, seg_cols // stride - c0] = 1
    ring = cv2.dilate(mask, np.ones((5, 5), np.uint8)) - mask
    ring_rows, ring_cols = np.nonzero(ring)
    ring_rows, ring_cols = (ring_rows + r0) * stride, (ring_cols + c0) * stride
    inside = (ring_rows < frame.depth_m.shape[0]) & (ring_cols < frame.depth_m.shape[1])
    ring_rows, ring_cols = ring_rows[inside], ring_cols[inside]
    if len(ring_rows) == 0:
        return 0.0
    z = frame.depth_m[ring_rows, ring_cols]
    k = frame.intrinsics
    points = np.stack([(ring_cols - k.cx) * z / k.fx, (ring_rows - k.cy) * z / k.fy, z], axis=1)
    closer = np.isfinite(z) & (z < np.median(seg_points[:, 2]) - 0.02) & \
        (plane.height(np.nan_to_num(points)) > params.min_height_m)
    return float(closer.mean())


def _dbscan(points: np.ndarray, params: SegmentationParams) -> np.ndarray:
    cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points))
    return np.asarray(cloud.cluster_dbscan(params.cluster_eps_m, params.cluster_min_points))


def _clusters(points: np.ndarray, colors: np.ndarray, params: SegmentationParams) -> list[np.ndarray]:
    """Index arrays of the objects: spatial clusters, split where touching objects differ in colour."""
    labels = _dbscan(points, params)
    found = []
    for label in range(labels.max() + 1 if labels.size else 0):
        member = np.flatnonzero(labels == label)
        if len(member) < params.min_object_points:
            continue
        values, counts = np.unique(colors[member], return_counts=True)
        major = values[counts >= max(params.color_split_fraction * len(member), params.min_object_points)]
        if len(major) < 2:
            found.append(member)
            continue
        for value in major:
            part = member[colors[member] == value]
            sub = _dbscan(points[part], params)
            for sub_label in range(sub.max() + 1 if sub.size else 0):
                piece = part[sub == sub_label]
                if len(piece) >= params.min_object_points:
                    found.append(piece)
    return found


def _plane_aligned_box(plane, basis, points, heights, rows, cols, noise: float = 0.0, bottom: float = 0.0) -> Segment:
    """bottom: height of the surface it rests on (0: the support plane)."""
    uv = (points @ basis.T).astype(np.float32)
    (cu, cv), (w, l), angle = cv2.minAreaRect(uv)
    hull_area = cv2.contourArea(cv2.convexHull(uv))
    _, radius = cv2.minEnclosingCircle(uv)
    top = max(float(np.percentile(heights, 98)) - 1.5 * noise, float(np.median(heights)))
    band = max(0.05 * (top - bottom), 2.5 * noise)
    top_uv = uv[heights > top - band]
    top_area = cv2.contourArea(cv2.convexHull(top_uv)) if len(top_uv) >= 3 else 0.0
    theta = np.radians(angle)
    axis_u = np.cos(theta) * basis[0] + np.sin(theta) * basis[1]
    axis_v = np.cross(plane.normal, axis_u)
    on_plane = -plane.offset * plane.normal
    center = on_plane + cu * basis[0] + cv * basis[1] + ((top + bottom) / 2) * plane.normal
    rotation = np.stack([axis_u, axis_v, plane.normal], axis=1)
    return Segment(rows, cols, points, center, rotation, np.array([w, l, top - bottom]),
                   float(hull_area / max(w * l, 1e-9)), float(np.mean(heights > top - 0.05 * (top - bottom))),
                   circle_fill=float(hull_area / max(np.pi * radius ** 2, 1e-9)),
                   top_area_fraction=float(top_area / max(hull_area, 1e-9)), noise_m=noise,
                   top_corners=corner_moment(top_uv), top_points=len(top_uv))
