"""Fit close-ups on every compact K: heat maps masked to K with its boundary, lower-dimensional sets drawn as
points, 1-D unions with their gaps blank, and f never evaluated outside K."""

import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection

import uat
from uat.domains import Ball, Box, Domain, PointSet
from uat.plots import fit_closeup, fit_closeup_data
from uat.plots.fits import BOUNDARY
from uat.targets import Target, as_target


class Circle(Domain):
    """The unit circle in the plane (a stand-in for ``Sphere`` while it is being written)."""

    dim, intrinsic_dim, n_unit = 2, 1, 1
    bounds = (np.array([-1.0, -1.0]), np.array([1.0, 1.0]))

    def contains(self, X):
        X = np.asarray(X, dtype=float)
        return np.abs(np.hypot(X[:, 0], X[:, 1]) - 1.0) <= 1e-12

    def from_unit(self, U):
        t = 2 * np.pi * U[:, 0]
        return np.column_stack([np.cos(t), np.sin(t)])

    def __str__(self):
        return "circle"


def _network(dim: int, seed: int = 0, width: int = 6) -> uat.ShallowNetwork:
    rng = np.random.default_rng(seed)
    A, b, C = rng.normal(size=(width, dim)), rng.normal(size=width), rng.normal(size=(1, width)) / width
    return uat.ShallowNetwork(A, b, C, "tanh")


def _panels(fig) -> list:
    """The figure's panels (f, g, the error), without their colour bars."""
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == 3
    return panels


class Recording:
    """sqrt(1.5 − ‖x‖²), keeping every row it is asked about (NaN, hence a warning, hence an error, at the
    corners of the unit disc's bounding box)."""

    def __init__(self):
        self.rows = []

    def __call__(self, X):
        self.rows.append(np.array(X))
        return np.sqrt(1.5 - np.sum(X**2, axis=1))


SOLIDS = {
    "disc": Ball((0, 0), 1),
    "square minus disc": Box((-1, -1), (1, 1)) - Ball((0, 0), 0.5),
    "L-shape": Box((0, 0), (2, 1)) | Box((0, 0), (1, 2)),
    "annulus": Ball((0, 0), 1) - Ball((0, 0), 0.5),
}


@pytest.mark.parametrize("name", list(SOLIDS))
def test_every_heat_map_is_masked_exactly_outside_K(name):
    domain = SOLIDS[name]
    target = as_target("cos(x1) + x2", domain)
    data = fit_closeup_data(target, _network(2))
    outside = ~domain.contains(data["X"])
    assert outside.any() and np.isnan(data["F"][outside]).all() and np.isfinite(data["F"][~outside]).all()
    fig = fit_closeup(target, _network(2))
    outside = outside.reshape(data["shape"])
    images = [ax.get_images()[0] for ax in fig.axes if ax.get_images()]
    assert len(images) == 3
    for image in images:
        np.testing.assert_array_equal(np.ma.getmaskarray(image.get_array()), outside)


def test_f_is_never_evaluated_outside_K():
    for domain in (Ball((0, 0), 1), Ball((0, 0), 1) - Ball((0.3, 0), 0.4)):
        f = Recording()
        fit_closeup(Target(f, domain), _network(2))
        rows = np.concatenate(f.rows)
        assert len(rows) > 10_000 and domain.contains(rows).all()


def test_the_boundary_is_the_outline_where_the_domain_has_one():
    disc = Ball((0.5, -1), 2)
    fig = fit_closeup(as_target("x1*x2", disc), _network(2))
    for ax in _panels(fig):
        (boundary,) = [c for c in ax.collections if c.get_gid() == BOUNDARY]
        assert isinstance(boundary, LineCollection)
        np.testing.assert_array_equal(boundary.get_segments()[0], disc.outline()[0])


def test_without_an_outline_the_boundary_is_the_edge_of_the_mask():
    domain = SOLIDS["square minus disc"]
    data = fit_closeup_data(as_target("x1", domain), _network(2), n=101)
    step = 2 / 100
    fig = fit_closeup(as_target("x1", domain), _network(2))
    ax = _panels(fig)[0]
    (boundary,) = [c for c in ax.collections if c.get_gid() == BOUNDARY]
    V = np.concatenate([p.vertices for p in boundary.get_paths()])
    on_hole = np.abs(np.hypot(V[:, 0], V[:, 1]) - 0.5) <= step
    on_square = np.abs(np.max(np.abs(V), axis=1) - 1) <= step
    assert (on_hole | on_square).all() and on_hole.any() and on_square.any()
    assert data["kind"] == "grid" and data["outline"] is None


@pytest.mark.parametrize("domain", [Circle(), PointSet(np.random.default_rng(3).random((7, 2)))], ids=str)
def test_a_lower_dimensional_set_is_drawn_as_its_points_coloured_by_value(domain):
    target = as_target("x1 - x2**2", domain)
    data = fit_closeup_data(target, _network(2))
    assert data["kind"] == "points" and domain.contains(data["X"]).all()
    if isinstance(domain, PointSet):  # each point once
        np.testing.assert_array_equal(data["X"], np.unique(domain.X, axis=0))
    fig = fit_closeup(target, _network(2))
    panels = _panels(fig)
    assert len(panels) == 3 and not any(ax.get_images() for ax in panels)
    for ax, values in zip(panels, [data["F"][:, 0], data["G"][:, 0]]):
        (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
        np.testing.assert_array_equal(points.get_offsets(), data["X"])
        np.testing.assert_array_equal(points.get_array(), values)
    assert len(fig.axes) == 6  # a colour bar per panel


def test_the_sup_point_is_ringed_at_the_argmax_a_point_of_K():
    domain = SOLIDS["annulus"]
    target = as_target("x1**2 - x2", domain)
    network = _network(2, seed=1)
    estimate = uat.sup_error(target, network)
    assert domain.contains(estimate.argmax[None])[0]
    fig = fit_closeup(target, network, estimate)
    ring = next(line for line in _panels(fig)[2].get_lines() if line.get_marker() == "o")
    assert (ring.get_xdata()[0], ring.get_ydata()[0]) == tuple(estimate.argmax)


def test_a_union_of_intervals_leaves_its_gap_blank():
    domain = Box(0, 1) | Box(2, 3)
    target = Target(lambda X: np.sqrt(X[:, 0] * (1 - X[:, 0]) * (2 - X[:, 0]) * (3 - X[:, 0])), domain)
    fig = fit_closeup(target, _network(1))
    x = fit_closeup_data(target, _network(1))["X"][:, 0]
    gap = (x > 1) & (x < 2)
    assert gap.any()
    for ax in fig.axes:
        for line in ax.get_lines():
            if len(line.get_xdata()) == len(x):
                y = np.asarray(line.get_ydata(), dtype=float)
                assert np.isnan(y[gap]).all() and np.isfinite(y[~gap]).all()


def test_a_finite_set_on_the_line_is_drawn_as_markers():
    domain = PointSet(np.array([[0.0], [0.5], [2.0]]))
    fig = fit_closeup(as_target("x**2", domain), _network(1))
    f_line = next(line for line in fig.axes[0].get_lines() if line.get_label() == "f")
    assert f_line.get_linestyle() == "None" and f_line.get_marker() == "o"
    np.testing.assert_array_equal(f_line.get_xdata(), [0.0, 0.5, 2.0])
    np.testing.assert_array_equal(f_line.get_ydata(), [0.0, 0.25, 4.0])
