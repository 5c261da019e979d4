"""Compact domains K ⊂ ℝⁿ: boxes, balls, simplices, polygons, shells, spheres, curves, finite point sets,
level sets {h ≤ 0}, and their unions, intersections and differences (``|``, ``&``, ``-``).

Every domain follows one protocol (:class:`Domain`; the details are in ``uat.domains._base``): membership,
exactly uniform sampling (and Sobol' points), a projection onto K for the sup-norm search, a bounding box, a
test of which boxes may meet K (for certified brackets), and a ``str`` that :func:`parse_domain` reads back.
Every sample a domain returns lies in K (checked with the same arithmetic as :meth:`contains`).
"""

from uat.domains._base import (MAX_ROUNDS, MIN_FLOATS, MIN_LENGTH, MAX_LENGTH, SAMPLING_METHODS, TRIALS, Domain)
from uat.domains._basic import Ball, Box
from uat.domains._polytopes import Polygon, Simplex
from uat.domains._round import Annulus, Curve, Sphere
from uat.domains._sets import Difference, Intersection, LevelSet, PointSet, Union
from uat.domains._parse import MAX_DIM, SHAPES, as_domain, parse_domain

__all__ = ["Domain", "Box", "Ball", "Simplex", "Polygon", "Annulus", "Sphere", "Curve", "PointSet", "LevelSet",
           "Union", "Intersection", "Difference", "as_domain", "parse_domain", "SAMPLING_METHODS", "MIN_LENGTH",
           "MAX_LENGTH", "MIN_FLOATS", "MAX_DIM", "TRIALS", "MAX_ROUNDS", "SHAPES"]
