"""Planar geometry helpers for the converters, on [lng, lat] degree arrays.

Conventions: a ring is an (n, 2) float64 array without the closing point repeated;
exterior rings are counter-clockwise (positive shoelace area, y up), holes clockwise.
"""
import heapq
import math

import numpy as np

KM_PER_DEG = 111.32


def signed_area(ring):
    """Shoelace area in square degrees (positive when counter-clockwise)."""
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def area_km2(ring):
    """Approximate unsigned area in km² (degrees scaled by the cosine of the mean latitude)."""
    return abs(signed_area(ring)) * math.cos(math.radians(float(ring[:, 1].mean()))) * KM_PER_DEG**2


def _dedupe(pts):
    keep = np.ones(len(pts), bool)
    keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
    return pts[keep]


def open_ring(pts):
    """Drops a repeated closing point and consecutive duplicates."""
    pts = np.asarray(pts, dtype=np.float64)
    if len(pts) == 0:
        return pts.reshape(0, 2)
    keep = np.ones(len(pts), bool)
    keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
    pts = pts[keep]
    if len(pts) > 1 and np.all(pts[0] == pts[-1]):
        pts = pts[:-1]
    return pts


def oriented(ring, ccw):
    """The ring, reversed if needed so that it winds counter-clockwise iff `ccw`."""
    return ring if (signed_area(ring) > 0) == ccw else ring[::-1].copy()


# --- Douglas-Peucker --------------------------------------------------------


def _seg_dist(pts, a, b):
    """Distances from each point to the segment a-b."""
    ab = b - a
    ll = float(np.dot(ab, ab))
    if ll == 0.0:
        return np.hypot(pts[:, 0] - a[0], pts[:, 1] - a[1])
    t = np.clip(((pts - a) @ ab) / ll, 0.0, 1.0)
    proj = a + t[:, None] * ab
    return np.hypot(pts[:, 0] - proj[:, 0], pts[:, 1] - proj[:, 1])


def dp_line(pts, tol):
    """Douglas-Peucker simplification of an open polyline (endpoints kept)."""
    n = len(pts)
    if tol <= 0 or n < 3:
        return pts
    keep = np.zeros(n, bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        d = _seg_dist(pts[i + 1 : j], pts[i], pts[j])
        k = int(np.argmax(d))
        if d[k] > tol:
            m = i + 1 + k
            keep[m] = True
            stack.append((i, m))
            stack.append((m, j))
    return pts[keep]


def dp_ring(ring, tol):
    """Douglas-Peucker on a closed ring; None when it collapses below 3 distinct points."""
    n = len(ring)
    if n < 3:
        return None
    if tol <= 0:
        return ring
    d = np.hypot(ring[:, 0] - ring[0, 0], ring[:, 1] - ring[0, 1])
    k = int(np.argmax(d))
    if k == 0:
        return None
    first = dp_line(ring[: k + 1], tol)
    second = dp_line(np.vstack([ring[k:], ring[:1]]), tol)
    out = np.vstack([first[:-1], second[:-1]])
    if len(out) < 3 or abs(signed_area(out)) < 1e-12:
        return None
    return out


# --- antimeridian cutting ---------------------------------------------------

PERIMETER = 1080.0
_CORNERS = [(0.0, (-180.0, -90.0)), (360.0, (180.0, -90.0)), (540.0, (180.0, 90.0)), (900.0, (-180.0, 90.0))]


def _perim_t(p):
    """Position along the map edge, counter-clockwise from the south-west corner."""
    x, y = p
    if abs(x - 180.0) < 1e-7:
        return 360.0 + (y + 90.0)
    if abs(x + 180.0) < 1e-7:
        return 900.0 + (90.0 - y)
    raise ValueError(f"chain end {p} is not on the antimeridian")


def unwrap(ring):
    """Longitudes made continuous (no step over 180°); returns (points, net wrap W in degrees)."""
    x = ring[:, 0]
    dx = (np.diff(x) + 180.0) % 360.0 - 180.0
    xu = np.concatenate([[x[0]], x[0] + np.cumsum(dx)])
    close = (x[0] - xu[-1] + 180.0) % 360.0 - 180.0
    w = round((xu[-1] + close - x[0]) / 360.0) * 360.0
    return np.column_stack([xu, ring[:, 1]]), w


def _strip(x):
    """Strip k holds longitudes in (-180 + 360k, 180 + 360k]."""
    return np.ceil((x - 180.0) / 360.0).astype(np.int64)


def _split(u, w):
    """Cuts an unwrapped ring at every line 180 + 360k; returns chains shifted into [-180, 180]."""
    q = np.vstack([u, u[:1] + [w, 0.0]])
    s = _strip(q[:, 0])
    chains = []
    start = 0
    prev_cut = None
    for i in (np.nonzero(s[1:] != s[:-1])[0] + 1).tolist():
        a, b = q[i - 1], q[i]
        line = 180.0 + 360.0 * min(s[i - 1], s[i])
        t = (line - a[0]) / (b[0] - a[0])
        cut = np.array([line, a[1] + t * (b[1] - a[1])])
        body = q[start:i]
        pts = np.vstack(([prev_cut] if prev_cut is not None else []) + [body, [cut]])
        chains.append((int(s[i - 1]), pts))
        prev_cut, start = cut, i
    tail = np.vstack([[prev_cut], q[start:]])
    chains.append((int(s[-1]), tail))
    shifted = [pts - [360.0 * k, 0.0] for k, pts in chains]
    # The tail ends where the head starts (q[-1] is q[0] moved by w): join them.
    head = shifted.pop(0)
    shifted[-1] = np.vstack([shifted[-1], head[1:]])
    out = []
    for c in shifted:
        c = np.clip(_dedupe(c), [-180.0, -90.0], [180.0, 90.0])
        if len(c) < 2 or (abs(abs(c[0, 0]) - 180.0) < 1e-9 and np.ptp(c[:, 0]) == 0):
            continue  # a point, or a run along the seam only: no area
        out.append(c)
    return out


def _rejoin(chains):
    """Closes chains whose ends lie on x = ±180 by walking the map edge counter-clockwise."""
    starts = [_perim_t(c[0]) for c in chains]
    used = [False] * len(chains)
    rings = []
    for first in range(len(chains)):
        if used[first]:
            continue
        parts, i = [], first
        while True:
            used[i] = True
            parts.append(chains[i])
            te = _perim_t(chains[i][-1])
            cands = [j for j in range(len(chains)) if not used[j] or j == first]
            j = min(cands, key=lambda j: ((starts[j] - te) % PERIMETER, j == first))
            d = (starts[j] - te) % PERIMETER
            corners = sorted(((tc - te) % PERIMETER, p) for tc, p in _CORNERS if 0 < (tc - te) % PERIMETER < d)
            if corners:
                parts.append(np.array([p for _, p in corners]))
            if j == first:
                break
            i = j
        ring = open_ring(np.vstack(parts))
        if len(ring) >= 3 and abs(signed_area(ring)) > 1e-12:
            rings.append(ring)
    return rings


def point_in_ring(p, ring):
    x, y = ring[:, 0], ring[:, 1]
    x2, y2 = np.roll(x, -1), np.roll(y, -1)
    cond = (y > p[1]) != (y2 > p[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = x + (p[1] - y) * (x2 - x) / (y2 - y)
    return bool(np.count_nonzero(cond & (p[0] < xi)) % 2)


def _interior_probe(ring):
    """A point just inside a ring (next to its first edge, on the interior side)."""
    a, b = ring[0], ring[1]
    mid = (a + b) / 2
    d = b - a
    n = np.array([-d[1], d[0]]) / (np.hypot(*d) or 1.0)
    sign = 1.0 if signed_area(ring) > 0 else -1.0
    return mid + n * sign * 1e-6


def assign_holes(exteriors, holes):
    """Groups holes under the exterior containing them; returns [[ext, holes...], ...]."""
    polys = [[e] for e in exteriors]
    for h in holes:
        probe = h[0]
        for p in polys:
            if point_in_ring(probe, p[0]):
                p.append(h)
                break
    return polys


def cut_polygon(rings):
    """Cuts a polygon given as rings (exterior first) whose longitudes may run past ±180 or
    wrap around a pole into polygons whose every ring lies within [-180, 180]."""
    # Rings that run along one parallel (world-atlas 50m wraps Antarctica in such a
    # zero-area ring at -89.999° with the coast as its "hole") carry no area: drop them.
    rings = [r for r in rings if len(r) >= 3 and np.ptp(r[:, 1]) > 1e-9]
    whole_ext, holes, chains = [], [], []
    for idx, r in enumerate(rings):
        exterior = idx == 0
        u, w = unwrap(r)
        if w == 0:
            u = oriented(u, exterior)
            mid = (u[:, 0].min() + u[:, 0].max()) / 2
            u = u - [360.0 * round(mid / 360.0), 0.0]
            if u[:, 0].min() >= -180.0 and u[:, 0].max() <= 180.0:
                (whole_ext if exterior else holes).append(u)
                continue
        else:
            pole = -90.0 if r[:, 1].mean() < 0 else 90.0
            x0 = u[0, 0]
            capped = np.vstack([u, [[x0 + w, u[0, 1]], [x0 + w, pole], [x0, pole]]])
            if (signed_area(capped) > 0) != exterior:
                u, w = unwrap(r[::-1].copy())
        chains.extend(_split(u, w))
    joined = _rejoin(chains) if chains else []
    for ring in joined:
        (whole_ext if signed_area(ring) > 0 else holes).append(ring)
    return assign_holes(whole_ext, holes)


# --- label points -----------------------------------------------------------


def _segments(rings):
    a = np.vstack(rings)
    b = np.vstack([np.roll(r, -1, axis=0) for r in rings])
    return a, b


def _signed_dist(px, py, a, b):
    """Distance to the nearest edge, negative outside (even-odd over all rings)."""
    ax, ay, bx, by = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
    cond = (ay > py) != (by > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = ax + (py - ay) * (bx - ax) / (by - ay)
    inside = np.count_nonzero(cond & (px < xi)) % 2 == 1
    dx, dy = bx - ax, by - ay
    ll = dx * dx + dy * dy
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(ll > 0, ((px - ax) * dx + (py - ay) * dy) / ll, 0.0)
    t = np.clip(t, 0.0, 1.0)
    d = np.min(np.hypot(ax + t * dx - px, ay + t * dy - py))
    return d if inside else -d


def label_point(rings, precision_frac=0.005):
    """Pole of inaccessibility of a polygon (rings, exterior first), found by best-first
    subdivision of its bounding box; distances are taken with longitude scaled by
    cos(latitude) so that the point sits visually central."""
    ext = rings[0]
    k = max(0.2, math.cos(math.radians(float(ext[:, 1].mean()))))
    scaled = [r * [k, 1.0] for r in rings]
    a, b = _segments(scaled)
    lo, hi = scaled[0].min(axis=0), scaled[0].max(axis=0)
    size = hi - lo
    cell = float(min(size))
    if cell <= 0:
        return ext[0].copy()
    precision = max(float(max(size)) * precision_frac, 1e-4)
    h = cell / 2
    heap = []

    def push(cx, cy, h):
        d = _signed_dist(cx, cy, a, b)
        heapq.heappush(heap, (-(d + h * math.sqrt(2)), d, cx, cy, h))

    for cx in np.arange(lo[0], hi[0], cell):
        for cy in np.arange(lo[1], hi[1], cell):
            push(cx + h, cy + h, h)
    # Start from the area centroid of the exterior if it is inside.
    x, y = scaled[0][:, 0], scaled[0][:, 1]
    cross = x * np.roll(y, -1) - np.roll(x, -1) * y
    area = cross.sum() / 2
    if area != 0:
        cx = float(((x + np.roll(x, -1)) * cross).sum() / (6 * area))
        cy = float(((y + np.roll(y, -1)) * cross).sum() / (6 * area))
    else:
        cx, cy = float(x[0]), float(y[0])
    best = (_signed_dist(cx, cy, a, b), cx, cy)
    evals = 0
    while heap and evals < 4000:
        _, d, cx, cy, h = heapq.heappop(heap)
        if d > best[0]:
            best = (d, cx, cy)
        if d + h * math.sqrt(2) - best[0] <= precision:
            continue
        h /= 2
        for ox in (-h, h):
            for oy in (-h, h):
                push(cx + ox, cy + oy, h)
                evals += 1
    return np.array([best[1] / k, best[2]])
