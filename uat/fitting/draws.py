"""Random hidden layers: named schemes that draw A (k, n) and b (k,) for random-feature fits.

Every scheme draws unit i from row i of one uniform matrix ``rng.random((k, 2n + 2))`` (and, for
the 1-D transition points of 'domain', from the shift in row 0 and i itself), so the draws are
*nested*: the first k units of a draw of width K equal a draw of width k with the same
seed. That is what lets one factorisation serve every width (:func:`uat.fitting.lstsq.lstsq_path`),
and makes ``fit(width=k)`` a prefix of ``fit(width=K)``.

In 1-D the 'domain' scheme spreads the transition points evenly instead of at independent random
points: unit i's is at u_i = frac(U₀₀ + i·φ⁻¹) of the interval (φ the golden ratio; a Kronecker
sequence with a random shift from the seed), still nested, each point still uniform on K, and the
largest gap between neighbours at most 1.9/k of the interval where k independent points leave gaps
of about ln k / k. For σ with kinks the largest gap sets the error (ReLU least squares errs by about
h²·max|f″|/16 on a gap h). Measured by ``studies/relu_rate.toml`` (ReLU, median sup error of 3
seeds; rate: slope over widths 16–256; the independent rows were measured when every cell was
fitted on the training set of the widest width):

=========================  ===========  =========  =========  =========  =====
ReLU, width                 points       16         64         256        rate
=========================  ===========  =========  =========  =========  =====
sin 2πx                     independent  4.7e-1     4.4e-2     5.8e-3     -1.53
sin 2πx                     golden       2.0e-1     1.1e-2     6.3e-4     -2.15
sin 2πx + |x|               independent  2.6e-1     3.9e-2     3.8e-3     -1.56
sin 2πx + |x|               golden       1.2e-1     1.2e-2     9.5e-4     -1.81
Runge                       independent  8.0e-2     1.3e-2     1.5e-3     -1.46
Runge                       golden       7.8e-2     5.8e-3     3.9e-4     -1.87
=========================  ===========  =========  =========  =========  =====

The transitions of tanh and sigmoid units are their positions too. There the even spread measured
as good or better (median of 8 seeds, widths 4–128, fits of ``fit_widths``): sin 2πx with tanh
2.1e-4 against 4.2e-4 at width 16 and 2.7e-8 against 1.2e-7 at 32; Runge 4.2e-4 against 4.9e-4 at
32, 3.5e-6 against 2.9e-6 at 64, 2.2e-9 against 3.6e-9 at 128; |x| 5–10% lower at every width;
sigmoid alike. So it applies to every σ, and backprop's ``init='draw'`` starts from the same units.
In n-D (transition hyperplanes through points of K) an R₂ Kronecker set (Roberts' generalised
golden ratio) or a shifted Halton set measured no better than independent points on Franke's
function (widths 16–1024, 5 seeds, tanh, sigmoid and ReLU all within ±30%, either way), so the
points there stay independent and uniform (``domain.from_unit`` of each row).
"""

from __future__ import annotations


import numpy as np
from scipy.special import ndtri

from uat._validation import check_choice, check_int, check_real, check_rng
from uat.domains import Ball, Box, Domain

__all__ = ["draw_features", "transition_points", "SCHEMES"]

#: Draw schemes and what they do.
SCHEMES = {
    "domain": "unit i's transition {a_i·x + b_i = 0} passes through a point of K (in 1-D spread evenly: "
              "the golden-ratio sequence frac(u + i·0.618…) with a random shift u; in n-D a uniform random point), "
              "with a uniform random direction and slope |a_i| = scale·ρ_i/R (R = diameter/2), ρ_i log-uniform in "
              "[1, max(1, spread·(i+1)^(1/n))]: later units may be steeper, so wider networks resolve finer detail",
    "gaussian": "A and b with independent N(0, scale²) entries (the classic random-feature draw)",
}


def _unit_normals(U: np.ndarray) -> np.ndarray:
    return ndtri(np.clip(U, 1e-16, 1 - 1e-16))


#: 1/φ, the golden ratio's inverse: the step of the 1-D transition points (module docstring).
_GOLDEN = (np.sqrt(5.0) - 1) / 2


def transition_points(domain: Domain, U: np.ndarray) -> np.ndarray:
    """The points of K that the 'domain' scheme's transitions pass through, (k, n), from the uniform draw U.

    On an interval (a 1-D Box or Ball), u_i = frac(U[0, 0] + i/φ) along it: nested, since u_i depends on
    i and on the first row only, and even, the largest gap at most 1.9/k of the interval. Elsewhere
    ``domain.from_unit`` of row i (independent uniform points of K) where the domain has an exact map, else
    :meth:`~uat.domains.Domain.nested_sample` seeded by U[0, 0] (rejection row by row: still uniform on K,
    independent and nested).
    """
    if domain.dim == 1 and isinstance(domain, (Box, Ball)):
        lower, upper = domain.bounds
        u = (U[0, 0] + np.arange(U.shape[0]) * _GOLDEN) % 1.0
        return np.clip(lower + u[:, None] * (upper - lower), lower, upper)
    if domain.n_unit is not None and domain.n_unit <= U.shape[1] - domain.dim - 1:
        return domain.from_unit(U[:, : domain.n_unit])
    return domain.nested_sample(U.shape[0], seed=int(U[0, 0] * 2.0**53))


def _domain_draw(domain: Domain, U: np.ndarray, scale: float, spread: float):
    n = domain.dim
    points = transition_points(domain, U)
    G = _unit_normals(U[:, n + 1 : 2 * n + 1])
    norms = np.linalg.norm(G, axis=1)
    G[norms == 0, 0], norms[norms == 0] = 1.0, 1.0
    top = np.maximum(1.0, spread * np.arange(1, U.shape[0] + 1) ** (1.0 / n))  # depends on i only: nested
    radius = domain.diameter / 2 or 1.0  # a one-point set has diameter 0
    slope = scale / radius * top ** U[:, 2 * n + 1]
    A = G * (slope / norms)[:, None]
    b = -np.einsum("ij,ij->i", A, points)
    return A, b


def _gaussian_draw(domain: Domain, U: np.ndarray, scale: float, spread: float):
    n = domain.dim
    Z = _unit_normals(U[:, : n + 1]) * scale
    return Z[:, :n], Z[:, n]


_DRAWS = {"domain": _domain_draw, "gaussian": _gaussian_draw}


def draw_features(domain: Domain, width: int, *, rng, scheme: str = "domain", scale: float = 1.0,
                  spread: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Draw a hidden layer A (width, n), b (width,) on ``domain`` by a named scheme.

    Parameters
    ----------
    domain : Box or Ball
    width : int >= 1
    rng : numpy.random.Generator or int
    scheme : {'domain', 'gaussian'}
        See ``SCHEMES``; 'domain' spreads the 1-D transition points evenly (module docstring).
    scale : float > 0
        'domain': the smallest slope, in units of 1/R (z = a·x + b changes by 2·scale·ρ across
        K); 'gaussian': the standard deviation of the entries.
    spread : float >= 0
        'domain' only: unit i (from 0) has ρ_i log-uniform in [1, max(1, spread·(i+1)^(1/n))].
        Measured on 8 targets × 3 widths (1-D and 2-D), this growing range beats any fixed one:
        narrow networks keep gentle units, wide ones get steep units for fine detail.

    Returns
    -------
    A : ndarray (width, n)
    b : ndarray (width,)
    """
    width = check_int("width", width)
    check_choice("scheme", scheme, SCHEMES)
    scale = check_real("scale", scale, positive=True)
    spread = check_real("spread", spread, minimum=0.0)
    rng = check_rng(rng)
    U = rng.random((width, 2 * domain.dim + 2))
    A, b = _DRAWS[scheme](domain, U, scale, spread)
    return np.ascontiguousarray(A), b
