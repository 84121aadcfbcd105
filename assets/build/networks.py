"""Builds the routing networks: assets/roads.grb and assets/sea.grb.

Roads: scgraph-data `world_highways` (OpenStreetMap, ODbL) — an adjacency list
of ~560k nodes. Written as CSR (both directions of every edge), f32 lat/lng,
f32 km weights (never below the great-circle distance, so A* stays admissible),
a connected-component id per node, and a 1° grid index for snapping.

Sea: searoute `marnet_searoute.geojson` (Eurostat SeaRoute / ORNL). Longitudes
are normalised to [-180, 180) so that the duplicate nodes at ±180 and the
> 180° points near Bering merge; each edge keeps its `passage` tag.
"""
import ast
import glob
import json
import os

import numpy as np

from grb import write

SRC = os.environ["GRB_SRC"]
OUT = os.environ["GRB_OUT"]
R = 6371.0088

PASSAGES = ["", "suez", "panama", "malacca", "gibraltar", "babalmandab", "ormuz", "bosporus",
            "dardanelles", "sunda", "south_africa", "chili", "northwest", "bering"]


# Passages that the data tags on only some of their lanes are closed off by a
# gate: a meridian segment (lng, lat_from, lat_to) that every lane through the
# passage must cross. Crossing edges get the passage's tag.
GATES = {
    "south_africa": (20.0, -34.9, -80.0),  # Cape Agulhas to Antarctica
    "chili": (-67.0, -55.5, -80.0),  # Cape Horn to Antarctica (Magellan strait is tagged)
    # The Straits of Malacca and Singapore form one passage; the data tags only
    # the Malacca end, so close the Singapore Strait's eastern exit too.
    "malacca": (104.3, 1.1, 1.5),
}


def gate_crossed(gate, lat1, lng1, lat2, lng2):
    g_lng, lat_a, lat_b = gate
    d = (lng2 - lng1 + 180.0) % 360.0 - 180.0
    if d == 0:
        return False
    t = ((g_lng - lng1 + 180.0) % 360.0 - 180.0) / d
    if not 0.0 <= t <= 1.0:
        return False
    lat = lat1 + t * (lat2 - lat1)
    return min(lat_a, lat_b) <= lat <= max(lat_a, lat_b)


def haversine(lat1, lng1, lat2, lng2):
    lat1, lng1, lat2, lng2 = map(np.radians, (lat1, lng1, lat2, lng2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lng2 - lng1) / 2) ** 2
    return 2 * R * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def csr(n, src, dst, *edge_arrays):
    """Both directions of each undirected edge, sorted by source."""
    s = np.concatenate([src, dst])
    d = np.concatenate([dst, src])
    extra = [np.concatenate([a, a]) for a in edge_arrays]
    order = np.lexsort((d, s))
    s, d = s[order], d[order]
    extra = [a[order] for a in extra]
    offsets = np.zeros(n + 1, dtype="<u4")
    np.cumsum(np.bincount(s, minlength=n), out=offsets[1:])
    return offsets, d.astype("<u4"), extra


def components(n, src, dst):
    parent = np.arange(n)

    def find(x):
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in zip(src.tolist(), dst.tolist()):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(i) for i in range(n)])
    # Number components by size, largest first (0 = the Eurasian/African mainland).
    uniq, inv, counts = np.unique(roots, return_inverse=True, return_counts=True)
    rank = np.empty_like(counts)
    rank[np.argsort(-counts, kind="stable")] = np.arange(len(counts))
    return rank[inv].astype("<u4"), len(uniq)


def grid_index(lat, lng, cell_deg):
    cols, rows = int(360 / cell_deg), int(180 / cell_deg)
    cx = np.clip(((lng + 180) / cell_deg).astype(int), 0, cols - 1)
    cy = np.clip(((lat + 90) / cell_deg).astype(int), 0, rows - 1)
    cell = cy * cols + cx
    order = np.argsort(cell, kind="stable").astype("<u4")
    offsets = np.zeros(cols * rows + 1, dtype="<u4")
    np.cumsum(np.bincount(cell, minlength=cols * rows), out=offsets[1:])
    return offsets, order


def roads():
    path = glob.glob(f"{SRC}/scgraph_data-2.0.0*/scgraph_data/world_highways.py")[0]
    graph = nodes = None
    with open(path) as f:
        for line in f:
            if line.startswith("graph="):
                graph = ast.literal_eval(line[len("graph="):])
            elif line.startswith("nodes="):
                nodes = ast.literal_eval(line[len("nodes="):])
    n = len(nodes)
    coords = np.array(nodes, dtype=np.float64)
    lat, lng = coords[:, 0], coords[:, 1]
    src, dst, w = [], [], []
    for a, adj in enumerate(graph):
        for b, km in adj.items():
            if a < b:
                src.append(a)
                dst.append(b)
                w.append(km)
    src = np.array(src, dtype=np.int64)
    dst = np.array(dst, dtype=np.int64)
    w = np.maximum(np.array(w), haversine(lat[src], lng[src], lat[dst], lng[dst]) * 1.0001)
    comp, ncomp = components(n, src, dst)
    offsets, targets, (weights,) = csr(n, src, dst, w.astype("<f4"))
    goff, gnodes = grid_index(lat, lng, 1.0)
    write(f"{OUT}/roads.grb", {
        "lat": lat.astype("<f4"), "lng": lng.astype("<f4"),
        "offsets": offsets, "targets": targets, "weights": weights,
        "component": comp, "grid_offsets": goff, "grid_nodes": gnodes,
        "meta": json.dumps({"grid_deg": 1.0, "source": "scgraph-data 2.0.0 world_highways"}),
    })
    print(f"roads: {n} nodes, {len(src)} edges, {ncomp} components")


def sea():
    path = glob.glob(f"{SRC}/searoute-1.6.0*/searoute-1.6.0/searoute/data/marnet_searoute.geojson")[0]
    with open(path) as f:
        features = json.load(f)["features"]
    index, lat, lng = {}, [], []

    def node(c):
        x = (c[0] + 180.0) % 360.0 - 180.0  # ±180 and >180 near Bering merge here
        key = (round(x, 5), round(c[1], 5))
        if key not in index:
            index[key] = len(lat)
            lat.append(c[1])
            lng.append(x)
        return index[key]

    edges = {}
    for feat in features:
        geom = feat["geometry"]
        tag = PASSAGES.index(feat["properties"].get("passage") or "")
        parts = geom["coordinates"] if geom["type"] == "MultiLineString" else [geom["coordinates"]]
        for part in parts:
            ids = [node(c) for c in part]
            for a, b in zip(ids, ids[1:]):
                if a != b:
                    key = (min(a, b), max(a, b))
                    edges[key] = max(edges.get(key, 0), tag)
    for (a, b), tag in edges.items():
        if tag == 0:
            for name, gate in GATES.items():
                if gate_crossed(gate, lat[a], lng[a], lat[b], lng[b]):
                    edges[(a, b)] = PASSAGES.index(name)
    n = len(lat)
    lat, lng = np.array(lat), np.array(lng)
    src = np.array([k[0] for k in edges], dtype=np.int64)
    dst = np.array([k[1] for k in edges], dtype=np.int64)
    tags = np.array(list(edges.values()), dtype="u1")
    w = haversine(lat[src], lng[src], lat[dst], lng[dst]).astype("<f4")
    comp, ncomp = components(n, src, dst)
    offsets, targets, (weights, passage) = csr(n, src, dst, w, tags)
    write(f"{OUT}/sea.grb", {
        "lat": lat.astype("<f4"), "lng": lng.astype("<f4"),
        "offsets": offsets, "targets": targets, "weights": weights,
        "passage": passage, "component": comp,
        "passage_names": "\n".join(PASSAGES),
    })
    print(f"sea: {n} nodes, {len(src)} edges, {ncomp} components")


if __name__ == "__main__":
    import sys

    parts = sys.argv[1:] or ["sea", "roads"]
    if "sea" in parts:
        sea()
    if "roads" in parts:
        roads()
