"""Checking GeoJSON polygons before they are stored or drawn."""

from __future__ import annotations

import math

from django.utils.translation import gettext as _

POLYGON_TYPES = {"Polygon", "MultiPolygon"}


def _position_problem(position) -> str | None:
    if not isinstance(position, list | tuple) or len(position) < 2:
        return _("een punt is geen paar coördinaten")
    for number in position[:2]:
        if isinstance(number, bool) or not isinstance(number, int | float):
            return _("de coördinaten zijn geen getallen")
        if not math.isfinite(number):
            return _("de coördinaten zijn geen eindige getallen")
    return None


def _polygon_problem(rings) -> str | None:
    if not isinstance(rings, list) or not rings:
        return _("een vlak heeft geen ringen")
    for ring in rings:
        if not isinstance(ring, list):
            return _("een ring is geen lijst van punten")
        if len(ring) < 4:
            return _("een ring heeft minder dan 4 punten")
        for position in ring:
            problem = _position_problem(position)
            if problem:
                return problem
    return None


def polygon_problem(geometry) -> str | None:
    """Why this Polygon or MultiPolygon cannot be drawn, in Dutch; None when it can."""
    if not isinstance(geometry, dict) or geometry.get("type") not in POLYGON_TYPES:
        return _("de geometrie is geen Polygon of MultiPolygon")
    coordinates = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        return _polygon_problem(coordinates)
    if not isinstance(coordinates, list) or not coordinates:
        return _("een MultiPolygon heeft geen vlakken")
    for polygon in coordinates:
        problem = _polygon_problem(polygon)
        if problem:
            return problem
    return None


# --- coordinate systems -------------------------------------------------------------------

# European Netherlands with a margin (longitude, latitude in degrees, WGS84).
NL_BOUNDS = (3.0, 50.6, 7.6, 53.8)
_WGS84_EPSG = {4326, 4258}  # WGS84 and ETRS89: the same to well within a metre here


class UnknownCrs(ValueError):
    """The file names a coordinate system that cannot be recognised."""


def crs_name(document: dict) -> str | None:
    """The coordinate system a GeoJSON document names in its (pre-RFC 7946) `crs` member."""
    crs = document.get("crs")
    if not crs:
        return None
    if not isinstance(crs, dict):
        raise UnknownCrs(str(crs)[:80])
    properties = crs.get("properties") or {}
    if crs.get("type") == "name" and isinstance(properties, dict) and properties.get("name"):
        return str(properties["name"])[:200]
    if crs.get("type") in {"EPSG", "epsg"} and isinstance(properties, dict):
        return f"EPSG:{properties.get('code')}"
    raise UnknownCrs(str(crs)[:80])


def transformer_for(name: str | None):
    """A pyproj transformer to WGS84 longitude/latitude, or None when already in WGS84."""
    if name is None:
        return None  # RFC 7946: GeoJSON is WGS84 unless it says otherwise
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(name)
    except CRSError:
        raise UnknownCrs(name) from None
    if "CRS84" in name.upper() or crs.to_epsg() in _WGS84_EPSG:
        return None
    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True)


def _rings(geometry: dict):
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    else:
        for polygon in geometry["coordinates"]:
            yield from polygon


def reprojected(geometry: dict, transformer) -> dict:
    """The same (valid) polygon with every position in WGS84 degrees, to 7 decimals."""

    def ring(points):
        xs, ys = transformer.transform([p[0] for p in points], [p[1] for p in points])
        return [[round(x, 7), round(y, 7)] for x, y in zip(xs, ys, strict=True)]

    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in geometry["coordinates"]]}
    return {
        "type": "MultiPolygon",
        "coordinates": [[ring(r) for r in polygon] for polygon in geometry["coordinates"]],
    }


def outside_netherlands(geometry: dict) -> tuple[float, float] | None:
    """The first position (longitude, latitude) outside the Netherlands, if any."""
    west, south, east, north = NL_BOUNDS
    for ring in _rings(geometry):
        for x, y, *_rest in ring:
            if not (west <= x <= east and south <= y <= north):
                return x, y
    return None
