"""Spherical shells, spheres and parametrised curves (being written; see issue 18)."""

from uat.domains._base import Domain

__all__ = ["Annulus", "Sphere", "Curve"]


class Annulus(Domain):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("Annulus is being written")


class Sphere(Domain):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("Sphere is being written")


class Curve(Domain):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("Curve is being written")
