"""Simplices and polygons (being written; see issue 18)."""

from uat.domains._base import Domain

__all__ = ["Simplex", "Polygon"]


class Simplex(Domain):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("Simplex is being written")


class Polygon(Domain):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("Polygon is being written")
