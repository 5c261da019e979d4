"""Random hidden layers: named schemes that draw A (k, n) and b (k,) for random-feature fits.

Every scheme draws unit i from row i of one uniform matrix ``rng.random((k, 2n + 2))``, so the
draws are *nested*: the first k units of a draw of width K equal a draw of width k with the same
seed. That is what lets one factorisation serve every width (:func:`uat.fitting.lstsq.lstsq_path`),
and makes ``fit(width=k)`` a prefix of ``fit(width=K)``.
"""

from __future__ import annotations


import numpy as np
from scipy.special import ndtri

from uat._validation import check_choice, check_int, check_real, check_rng
from uat.domains import Domain

__all__ = ["draw_features", "SCHEMES"]

#: Draw schemes and what they do.
SCHEMES = {
    "domain": "unit i's transition {a_i·x + b_i = 0} passes through a uniform random point of K, with a "
              "uniform random direction and slope |a_i| = scale·ρ_i/R (R = diameter/2), ρ_i log-uniform in "
              "[1, max(1, spread·(i+1)^(1/n))]: later units may be steeper, so wider networks resolve finer detail",
    "gaussian": "A and b with independent N(0, scale²) entries (the classic random-feature draw)",
}


def _unit_normals(U: np.ndarray) -> np.ndarray:
    return ndtri(np.clip(U, 1e-16, 1 - 1e-16))


def _domain_draw(domain: Domain, U: np.ndarray, scale: float, spread: float):
    n = domain.dim
    points = domain.from_unit(U[:, : domain.n_unit])
    G = _unit_normals(U[:, n + 1 : 2 * n + 1])
    norms = np.linalg.norm(G, axis=1)
    G[norms == 0, 0], norms[norms == 0] = 1.0, 1.0
    top = np.maximum(1.0, spread * np.arange(1, U.shape[0] + 1) ** (1.0 / n))  # depends on i only: nested
    slope = scale / (domain.diameter / 2) * top ** U[:, 2 * n + 1]
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
        See ``SCHEMES``.
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
