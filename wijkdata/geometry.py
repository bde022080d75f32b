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
