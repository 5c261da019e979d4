"""Certified brackets [lower, upper] of sup_{x∈K} ‖f(x) − g(x)‖₂ by branch and bound.

:func:`uat.sup_error` finds a large error and reports where (a lower bound of the sup that is
attained); :func:`sup_bracket` also proves how large the sup can be. It needs two facts:

* **a Lipschitz constant L_f of f** on K (library targets carry one where it exists; pass
  ``lipschitz=`` for others): ‖f(x) − f(c)‖ ≤ L_f‖x − c‖₂;
* **per-cell interval bounds of g's Jacobian**, from its parameters. On a cell (a box with
  centre c and half-widths r) every pre-activation z_i = a_i·x + b_i lies in
  [a_i·c + b_i − |a_i|·r, a_i·c + b_i + |a_i|·r], so σ′(z_i) lies in an interval [mid_i − rad_i,
  mid_i + rad_i] computed from σ′ at the ends and at the interior extrema of σ′ (the zeros of σ″
  and the kinks, facts of each :class:`~uat.activations.Activation`). Then, with δ = x − c,
  ‖g(x) − g(c)‖ ≤ Σ_l ‖M_{:,l}‖ r_l + Σ_i ‖C_{:,i}‖ rad_i (|a_i|·r),  M = Σ_i C_{:,i} mid_i a_iᵀ.
  Where σ′ is constant on the cell (ReLU away from its kinks) rad_i = 0 and the bound is the exact
  slope of g: much tighter than the global Σ_i ‖C_{:,i}‖ L_σ ‖a_i‖.

**Deep networks** (:class:`~uat.deep.DeepNetwork`, :func:`_deep_terms`): the same per-axis slopes S_l, by interval
propagation through the layers. Layer by layer the cell's a[ℓ] is enclosed by interval arithmetic (σ monotone
on an interval where σ′'s range there has one sign, else the mean value theorem), each z[ℓ] by the smaller of
that and the mean-value form z[ℓ](c) ± |∂z[ℓ]/∂x| r, σ′ on it as above, and the Jacobian
J = D_L W_L D_{L−1} … D_1 W_1 as an interval matrix in midpoint-radius arithmetic; S_l = ‖|Jm_{:,l}| + Jr_{:,l}‖₂
(proof at :func:`_deep_terms`). ReLU without a kink inside a cell: every D_ℓ is exact, and so is S. In 1-D the
first cells have the net's breakpoints (:meth:`uat.deep.DeepNetwork.breakpoints`, through its search hints) as
edges, and a curvature bound is carried through the layers too (term by term, no cancellation).

Each cell's error is then at most e(c) + L_f‖r‖₂ + that bound. The search starts from a grid of
cells (in 1-D with every unit's transition −b_i/a_i as a cell edge, so that ReLU kinks are never
inside a first cell), discards cells whose bound is below the largest error seen, and bisects the
cells that may still hold a larger one, largest bound first, until the bracket is within
``rtol`` (relative) or ``atol`` (absolute), or the evaluation budget ``max_evals`` is spent. The
convergence is first order: a cell's slack shrinks with its size, so an error near a smooth
maximum needs ~L/√(gap·curvature) cells there, and errors near the float64 rounding floor cannot be
bracketed tightly at all (the result then says ``converged=False`` and gives the bracket reached).

**Domains other than boxes** (:func:`_bracket_cover`), where K decides boxes (``boxes_decided``; refused
otherwise by :func:`cover_refusal`): balls, annuli, simplices, polygons, spheres and their unions,
intersections and differences, of dimension 1 to 3. The cells are those of a grid over K's bounding box that
``K.meets``; a child that provably misses K is dropped. Each cell is bounded from the error at a point q of K:
its centre c where c lies in K (the box's bound above), else the candidate in K, among the projection of c and
the cell's corners, with the smallest reach d = r + |q − c| (per axis |x − q| ≤ d on the cell). For x in the
cell and in K, ‖f(x) − f(q)‖ ≤ L_f‖d‖₂ and ‖g(x) − g(q)‖ ≤ Σ_l S_l d_l, S the slopes of g over the hull of
the cell and q (which holds every segment from q to the cell), so the error there is at most
e(q) + L_f‖d‖₂ + Σ_l S_l d_l. f is evaluated only at points of K, and first order throughout. As cells shrink
the cells meeting K shrink onto it (what ``boxes_decided`` promises), and so do the reaches. On a finite point
set the bracket is exact: the maximum over every point, for any g.

Rounding: e(c) is computed in float64. ``upper`` adds the measured rounding floor of f − g (as in
:func:`uat.sup_error`) and pads every interval by a few ulps, so it bounds the sup of the exactly
evaluated error up to that measured floor; ``lower`` is an error value attained (computed) at
``argmax``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from uat._threads import pinned_blas
from uat._validation import check_int, check_nonnegative
from uat.activations import Activation, SecondBound
from uat.domains import Box, Curve, Domain, LevelSet, PointSet
from uat.errornorm import FLOOR_POINTS, ErrorFunction, check_pair, domain_points, rounding_floor
from uat.deep import DeepNetwork
from uat.network import ShallowNetwork, search_hints

__all__ = ["SupBracket", "sup_bracket", "branch_and_bound", "derivative_range", "can_bracket", "can_bracket_model",
           "bracket_refusal", "cover_refusal", "OUTCOMES", "HOPELESS"]

_EPS = np.finfo(float).eps
#: (cells × units) entries per block of the bound computations: small enough for the cache (measured on
#: 2 cores: 2^16 entries are 7× faster per entry than 2^21, whose temporaries spill to memory).
_BLOCK = 1 << 16

def _second_bound(activation: Activation, zlo: np.ndarray, zhi: np.ndarray) -> np.ndarray:
    """Elementwise sup|σ″| over [zlo, zhi] (``Activation.second_bound``); inf where unknown or where σ″ is a
    point mass (a ReLU kink inside)."""
    if activation.second_bound is None:
        return np.full(np.shape(zlo), np.inf)
    return activation.second_bound(zlo, zhi)


def _exact_range(activation: Activation) -> bool:
    """Whether σ′'s range on intervals is known from its ends and critical points (``Activation.deriv_critical``)."""
    return activation.deriv_critical is not None and activation.deriv is not None


def can_bracket(activation: Activation) -> bool:
    """Whether :func:`derivative_range` can bound σ′ on intervals for this σ."""
    return activation.continuous and (_exact_range(activation) or activation.lipschitz is not None)


def can_bracket_model(g) -> bool:
    """Whether every σ of the network g (a ShallowNetwork's, a DeepNetwork's hidden and output σ's) passes
    :func:`can_bracket`."""
    return all(can_bracket(act) for act in _sigmas(g))


def derivative_range(activation: Activation, zlo: np.ndarray, zhi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise bounds [lo, hi] of σ′ over the intervals [zlo, zhi].

    Exact (up to rounding) where σ knows where σ′ may have interior extrema (``Activation.deriv_critical``,
    every built-in continuous σ): σ′ at the ends and at those points inside (both one-sided values at a kink;
    for a periodic σ, the points repeated with its period); for a user σ with a Lipschitz constant L_σ only,
    [−L_σ, L_σ].
    """
    name = activation.name
    if not activation.continuous:
        raise ValueError(f"activation {name!r} is not continuous: no Lipschitz bound of g exists")
    if not _exact_range(activation):
        if activation.lipschitz is None:
            raise ValueError(f"activation {name!r} has no Lipschitz constant and no known derivative range, so g "
                             "cannot be bounded; register it with lipschitz=")
        full = np.full(np.shape(zlo), float(activation.lipschitz))
        return -full, full.copy()
    # a period covers σ′'s extrema whatever its ends give (NaN at z = ±inf): fmin/fmax keep them there
    low, high = (np.fmin, np.fmax) if activation.period is not None else (np.minimum, np.maximum)
    with np.errstate(over="ignore", invalid="ignore"):
        d1, d2 = activation.deriv(zlo), activation.deriv(zhi)
        lo, hi = np.minimum(d1, d2), np.maximum(d1, d2)
        for point in dict.fromkeys(activation.deriv_critical + activation.kinks):
            inside = _covers(activation.period, zlo, zhi, point)
            if inside.any():
                for value in _values_at(activation, point):
                    lo = np.where(inside, low(lo, value), lo)
                    hi = np.where(inside, high(hi, value), hi)
    # where σ′ overflows (z³ on huge pre-activations) nothing is known: the cell's bound becomes +inf
    return np.where(np.isfinite(lo), lo, -np.inf), np.where(np.isfinite(hi), hi, np.inf)


def _covers(period: float | None, zlo: np.ndarray, zhi: np.ndarray, point: float) -> np.ndarray:
    """Whether [zlo, zhi] contains ``point`` (with a period: ``point`` + j·period for some integer j)."""
    if period is None:
        return (zlo <= point) & (point <= zhi)
    return (np.floor((zhi - point) / period) >= np.ceil((zlo - point) / period)) | (zhi - zlo >= period)


def _values_at(activation: Activation, point: float) -> list[float]:
    """σ′ at a critical point; at a kink of σ both one-sided values (σ′ there is one of them)."""
    at = [point] + ([np.nextafter(point, -np.inf), np.nextafter(point, np.inf)] if point in activation.kinks else [])
    return [float(value) for value in activation.deriv(np.array(at, dtype=float))]


def _variation(g, centers: np.ndarray, radii: np.ndarray, curvature: bool = False):
    """Per cell, an upper bound of sup_{x in cell} ‖g(x) − g(c)‖₂ (and with ``curvature`` the pair with
    sup‖g″‖₂, 1-D): Σ_l S_l r_l from :func:`_slopes`; for a DeepNetwork the smaller of that and the bound from the
    enclosures of g's values on the cell and at c (:func:`_deep_terms`)."""
    if isinstance(g, DeepNetwork):
        with np.errstate(over="ignore", invalid="ignore"):
            slopes, curv, enclosed = _deep_terms(g, centers, radii, curvature)
        variation = np.minimum(np.sum(slopes * radii, axis=1), enclosed)
    else:
        slopes, curv = _slopes(g, centers, radii, curvature)
        variation = np.sum(slopes * radii, axis=1)
    return (variation, curv) if curvature else variation


def _slopes(g: ShallowNetwork, centers: np.ndarray, radii: np.ndarray, curvature: bool = False):
    """Per cell (centre c, half-widths r) and axis l, S_l ≥ sup ‖∂g/∂x_l‖₂ over the cell, with
    ‖g(x) − g(y)‖ ≤ Σ_l S_l |x_l − y_l| there: a bound that stays valid on every sub-cell, which
    therefore inherits it; and with ``curvature`` (1-D) sup‖g″‖₂ over the cell (else None)."""
    with np.errstate(over="ignore", invalid="ignore"):  # overflow gives inf or NaN: _finite makes both +inf
        if isinstance(g, DeepNetwork):
            return _deep_terms(g, centers, radii, curvature)[:2]
        return _slope_terms(g, centers, radii, curvature)


def _even(activation: Activation) -> bool:
    """Whether :func:`_even_ranges` applies: σ is np.tanh or scipy's expit itself (a user σ registered under
    the name 'tanh' is not), with its :class:`~uat.activations.SecondBound` (M and z*)."""
    return (activation.fn is np.tanh or activation.fn is expit) and isinstance(activation.second_bound, SecondBound)


def _even_ranges(activation: Activation, zc: np.ndarray, zw: np.ndarray, curvature: bool):
    """tanh and sigmoid: σ′ is even and decreasing in |z|, so over [zc − zw, zc + zw] it ranges over
    [σ′(far), σ′(near)], near = max(|zc| − zw, 0) and far = |zc| + zw; |σ″| is M up to z* and σ″(near)
    beyond. Two evaluations of σ per entry, in place (``zw`` is overwritten)."""
    a = np.abs(zc)
    near = np.subtract(a, zw)
    if curvature:
        M, zstar = activation.second_bound.peak, activation.second_bound.start
        inner = near < zstar
    np.maximum(near, 0.0, out=near)
    far = np.add(a, zw, out=zw)
    if activation.fn is np.tanh:  # σ′ = 1 − t², |σ″| = 2t(1 − t²), t = tanh|z|
        t_near, t_far = np.tanh(near, out=near), np.tanh(far, out=far)
        second = 2 * t_near * (1 - t_near * t_near) if curvature else None
        np.multiply(t_near, t_near, out=t_near)
        np.multiply(t_far, t_far, out=t_far)
        mid = np.add(t_near, t_far, out=a)
        mid *= -0.5
        mid += 1.0
        rad = np.subtract(t_far, t_near, out=t_far)
    else:  # sigmoid: σ′ = s(1 − s), |σ″| = s(1 − s)(2s − 1), s = expit|z| ≥ 1/2 (1 − s is exact)
        s_near, s_far = expit(near, out=near), expit(far, out=far)
        hi, lo = s_near * (1 - s_near), s_far * (1 - s_far)
        second = hi * (2 * s_near - 1) if curvature else None
        mid = np.add(hi, lo, out=a)
        mid *= 0.5
        rad = np.subtract(hi, lo, out=hi)
    rad *= 0.5
    rad += 8 * _EPS  # σ′ computed to a few ulps of 1
    if curvature:
        second *= 1 + 1e-12
        second += 8 * _EPS
        second[inner] = M
    return mid, rad, second


def _slope_ranges(activation: Activation, zc: np.ndarray, zw: np.ndarray, curvature: bool):
    """σ′ over the intervals [zc − zw, zc + zw] as mid ± rad, and with ``curvature`` sup|σ″| there (else None).

    The same facts as :func:`derivative_range` and :func:`_second_bound`, in one pass; tanh, sigmoid
    (:func:`_even_ranges`) and σ linear on each side of 0 (``Activation.linear_pieces``: ReLU, exact from the
    signs) without either. ``zw`` may be overwritten.
    """
    if _even(activation):
        return _even_ranges(activation, zc, zw, curvature)
    zlo, zhi = zc - zw, zc + zw
    if activation.linear_pieces is not None:
        left, right = activation.linear_pieces
        hi, lo = np.where(zhi >= 0, right, left), np.where(zlo > 0, right, left)
        S = _second_bound(activation, zlo, zhi) if curvature else None
        return 0.5 * (hi + lo), 0.5 * (hi - lo) + 2 * _EPS, S  # mid ± rad rounds: widen it to contain both slopes
    lo, hi = derivative_range(activation, zlo, zhi)
    mid = 0.5 * (lo + hi)
    rad = 0.5 * (hi - lo) + 4 * _EPS * np.abs(mid)
    return mid, rad, (_second_bound(activation, zlo, zhi) if curvature else None)


def _slope_terms(g: ShallowNetwork, centers: np.ndarray, radii: np.ndarray, curvature: bool):
    """S (cells, n) and the curvature bound of :func:`_slopes`, from interval bounds of σ′.

    With σ′(z_i) ∈ mid_i ± rad_i on the cell and M = Σ_i C_{:,i} mid_i a_iᵀ,
    ‖∂g/∂x_l‖ ≤ ‖M_{:,l}‖ + Σ_i ‖C_{:,i}‖ rad_i |A_il|; curvature Σ_i ‖C_{:,i}‖ a_i² sup|σ″(z_i)|
    (inf where unknown).

    Rounding: z_i = a_i·c + b_i is computed with an error below 8 eps (|a_i|·|c| + |b_i|), so every
    cell's pre-activation interval is widened by pad_i = 8 eps (|A_i|·X + |b_i|), X the largest
    |c| + r over the cells (coordinate-wise); the sums over units carry 4 eps k of their size.
    """
    A, b, C = g.A, g.b, g.C
    k, n = A.shape
    m = C.shape[0]
    absA = np.abs(A)
    W = (C.T[:, :, None] * A[:, None, :]).reshape(k, m * n)  # row i: C_{:,i} a_iᵀ, flattened
    col_norm = np.linalg.norm(C, axis=0)
    spread = col_norm[:, None] * absA  # (k, n): ‖C_{:,i}‖ |A_il|
    pad = 8 * _EPS * (absA @ np.max(np.abs(centers) + radii, axis=0) + np.abs(b))
    lipschitz = g.activation.lipschitz  # bounds |mid|: the rounding slack of the sums is then per axis
    slack = None if lipschitz is None else 4 * _EPS * k * float(lipschitz) * spread.sum(axis=0)
    nonzero = col_norm * A[:, 0] ** 2 > 0 if curvature else None
    weight2 = (col_norm * A[:, 0] ** 2)[nonzero] if curvature else None
    S = np.empty((len(centers), n))
    curv = np.empty(len(centers)) if curvature else None
    rows = max(1, _BLOCK // max(k, 1))
    for start in range(0, len(centers), rows):
        c, r = centers[start:start + rows], radii[start:start + rows]
        if n == 1:
            zc = np.multiply.outer(c[:, 0], A[:, 0])
            zc += b
            zw = np.multiply.outer(r[:, 0], absA[:, 0])
        else:
            zc = c @ A.T + b
            zw = r @ absA.T
        zw += pad
        mid, rad, second = _slope_ranges(g.activation, zc, zw, curvature)
        M = (mid @ W).reshape(len(c), m, n)
        block = (np.abs(M[:, 0, :]) if m == 1 else np.linalg.norm(M, axis=1)) + rad @ spread
        block += slack if slack is not None else 4 * _EPS * k * (np.abs(mid) @ spread)
        S[start:start + rows] = block
        if curvature:
            curv[start:start + rows] = (second[:, nonzero] @ weight2) * (1 + 4 * _EPS * k)
    return S, curv


# --- deep networks: interval propagation through the layers ---------------------------------------------------

def _sigmas(g) -> tuple:
    """Every σ of g whose facts a certified bound needs: a ShallowNetwork's σ, a DeepNetwork's hidden σ's and its
    output σ."""
    if isinstance(g, DeepNetwork):
        return g.activations + (() if g.output_activation is None else (g.output_activation,))
    return (g.activation,)


def _affine(W: np.ndarray, b, mid: np.ndarray, rad: np.ndarray):
    """{W a + b : a ∈ mid ± rad} (rows) ⊂ zmid ± zrad, rounding included.

    zmid = mid Wᵀ + b and zrad = rad |W|ᵀ are computed in float64; each is a sum of N_in + 1 terms, so its error
    is below γ (|mid| |W|ᵀ + |b|) and γ rad |W|ᵀ, γ = (N_in + 3) eps ≥ Higham's γ_{N_in+1}: zrad is widened by
    γ (|mid| |W|ᵀ + rad |W|ᵀ + |b|) (and that sum's own rounding, relative eps, is inside the extra 2 eps).
    """
    absW = np.abs(W).T
    zmid = mid @ W.T
    zmid += b
    zrad = rad @ absW
    size = np.abs(mid) @ absW
    size += zrad
    size += np.abs(b)
    size *= (W.shape[1] + 3) * _EPS
    zrad += size
    return zmid, zrad


def _product(dmid, drad, Umid, Urad):
    """{d·u : d ∈ dmid ± drad, u ∈ Umid ± Urad} ⊂ dmid·Umid ± (|dmid| Urad + drad (|Umid| + Urad)) (midpoint-radius
    arithmetic), the radius widened by 4 eps relative and by 2 eps |dmid·Umid| for the rounding of the midpoint;
    d (cells, N) multiplies each of the n rows (cells·n, N) of U that belong to its cell."""
    cells, N = dmid.shape
    Um, Ur = Umid.reshape(cells, -1, N), Urad.reshape(cells, -1, N)
    mid = Um * dmid[:, None, :]
    rad = np.abs(dmid)[:, None, :] * Ur + drad[:, None, :] * (np.abs(Um) + Ur)
    rad *= 1 + 4 * _EPS
    rad += 2 * _EPS * np.abs(mid)
    return mid.reshape(Umid.shape), rad.reshape(Urad.shape)


def _sigma_interval(activation: Activation, lo: np.ndarray, hi: np.ndarray, curvature: bool):
    """σ over the intervals [lo, hi]: its values as vmid ± vrad, σ′ as dmid ± drad, and sup|σ″| (or None).

    σ′ ∈ [d_lo, d_hi] there (:func:`_slope_ranges`). Where d_lo ≥ 0 σ is non-decreasing on the interval, so
    σ([lo, hi]) = [σ(lo), σ(hi)] (non-increasing where d_hi ≤ 0: [σ(hi), σ(lo)]); elsewhere, by the mean value
    theorem, σ(z) ∈ σ(zc) ± max(|d_lo|, |d_hi|)·zw, intersected with [−sup|σ|, sup|σ|] where σ is bounded. Each
    σ value is padded by 8 eps of its size and the smallest normal number (σ computed to a few ulps).
    """
    zc = 0.5 * (lo + hi)
    zw = 0.5 * (hi - lo) + 2 * _EPS * np.maximum(np.abs(lo), np.abs(hi))  # zc ± zw covers [lo, hi] as rounded
    mean_width = zw.copy()
    dmid, drad, second = _slope_ranges(activation, zc, zw, curvature)
    d_lo, d_hi = dmid - drad, dmid + drad
    s_lo, s_hi, s_c = activation.fn(lo), activation.fn(hi), activation.fn(zc)
    steep = np.maximum(np.abs(d_lo), np.abs(d_hi))
    up, down = d_lo >= 0, d_hi <= 0
    v_lo = np.where(up, s_lo, np.where(down, s_hi, s_c - steep * mean_width))
    v_hi = np.where(up, s_hi, np.where(down, s_lo, s_c + steep * mean_width))
    pad = 8 * _EPS * np.maximum(np.abs(v_lo), np.abs(v_hi)) + np.finfo(float).tiny
    v_lo, v_hi = v_lo - pad, v_hi + pad
    if activation.bound is not None:
        v_lo, v_hi = np.maximum(v_lo, -activation.bound), np.minimum(v_hi, activation.bound)
    vmid = 0.5 * (v_lo + v_hi)
    return vmid, 0.5 * (v_hi - v_lo) + 2 * _EPS * np.abs(vmid), dmid, drad, second


def _deep_block(g: DeepNetwork, c: np.ndarray, r: np.ndarray, curvature: bool):
    """One block of cells (centres c, half-widths r, (cells, n)) of :func:`_deep_terms`: S (cells, n), the curvature
    bound (cells,) or None, and the variation bound of the value enclosures (cells,).

    Carried forward, layer by layer: a[ℓ] over the cell (am ± ar), a[ℓ](c) exactly (cm ± cr, from c exact), the
    Jacobian ∂a[ℓ]/∂x over the cell as an interval matrix (rows cell·n + l: ∂a[ℓ]/∂x_l, Tm ± Tr) and in 1-D
    P ≥ |a[ℓ]″|. Each z[ℓ] over the cell lies in the interval form W am + b ± |W| ar and in the mean-value form
    z[ℓ](c) ± (|Um| + Ur) r, U = ∂z[ℓ]/∂x = W T; their intersection gives σ′ and σ there.
    """
    cells, n = c.shape
    r = r + 2 * _EPS * (np.abs(c) + r)  # c ± r covers the cell it was rounded from
    am, ar, cm, cr = c, r, c, np.zeros_like(c)
    Tm, Tr = np.tile(np.eye(n), (cells, 1)), np.zeros((cells * n, n))
    P = np.zeros((cells, n)) if curvature else None
    for W, b, act in zip(g.weights, g.biases, g.activations + (g.output_activation,)):
        zm, zr = _affine(W, b, am, ar)
        cm, cr = _affine(W, b, cm, cr)
        Tm, Tr = _affine(W, 0.0, Tm, Tr)  # now U = ∂z[ℓ]/∂x
        slope = (np.abs(Tm) + Tr).reshape(cells, n, -1)
        reach = cr + np.einsum("cln,cl->cn", slope, r)
        lo, hi = np.maximum(zm - zr, cm - reach), np.minimum(zm + zr, cm + reach)
        if curvature:
            P = (P @ np.abs(W).T) * (1 + (W.shape[1] + 3) * _EPS)  # ≥ |z[ℓ]″|
        if act is None:  # Kutyniok's Φ ends with T_L
            am, ar = 0.5 * (lo + hi), 0.5 * (hi - lo) * (1 + 2 * _EPS)
            break
        am, ar, dm, dr, second = _sigma_interval(act, lo, hi, curvature)
        cm, cr = _sigma_interval(act, cm - cr, cm + cr, False)[:2]
        if curvature:  # a″ = σ″(z) z′² + σ′(z) z″
            bend = np.where(slope[:, 0] > 0, second * slope[:, 0] ** 2, 0.0)
            P = (bend + (np.abs(dm) + dr) * P) * (1 + 4 * _EPS)
        Tm, Tr = _product(dm, dr, Tm, Tr)
    S = _column_norms(np.abs(Tm) + Tr, cells, n)
    spread = np.maximum(am + ar - (cm - cr), (cm + cr) - (am - ar))
    variation = (spread[:, 0] if spread.shape[1] == 1 else np.linalg.norm(spread, axis=1)) * (1 + 4 * _EPS)
    curv = None if P is None else _column_norms(P, cells, 1)[:, 0]
    return _nan_to_inf(S), None if curv is None else _nan_to_inf(curv), _nan_to_inf(variation)


def _column_norms(J: np.ndarray, cells: int, n: int) -> np.ndarray:
    """‖J_{:,l}‖₂ per cell and axis, J's rows cell·n + l holding ∂g/∂x_l (cells·n, m); (cells, n)."""
    norms = J[:, 0] if J.shape[1] == 1 else np.linalg.norm(J, axis=1) * (1 + 4 * _EPS)
    return norms.reshape(cells, n)


def _nan_to_inf(values: np.ndarray) -> np.ndarray:
    """NaN (0·inf, inf − inf where the intervals overflowed) proves nothing: +inf."""
    return np.where(np.isnan(values), np.inf, values)


def _deep_terms(g: DeepNetwork, centers: np.ndarray, radii: np.ndarray, curvature: bool):
    """S (cells, n), the 1-D curvature bound (or None) and the value-enclosure variation bound of a DeepNetwork,
    in blocks of cells of at most :data:`_BLOCK` Jacobian entries (:func:`_deep_block`).

    Why S bounds the slopes: on a cell every Jacobian J(ξ) = D_L W_L D_{L−1} W_{L−1} … D_1 W_1 (D_ℓ = diag σ′(z[ℓ]),
    D_L = I for Kutyniok's Φ) lies entrywise in the interval matrix Jm ± Jr, so |J_jl(ξ)| ≤ |Jm_jl| + Jr_jl and
    S_l = ‖|Jm_{:,l}| + Jr_{:,l}‖₂ ≥ ‖∂g/∂x_l(ξ)‖₂. For x, y in the (convex) cell, g(x) − g(y) = ∫₀¹ J(ξ_t)(x − y) dt,
    ξ_t on the segment, so ‖g(x) − g(y)‖₂ ≤ sup_t Σ_l ‖J(ξ_t)_{:,l}‖₂ |x_l − y_l| ≤ Σ_l S_l |x_l − y_l| (the triangle
    inequality over the columns): the form :func:`_slopes` promises, valid on every sub-cell.
    Curvature (1-D): z[1]″ = 0, z[ℓ+1]″ = W_{ℓ+1} a[ℓ]″ and a[ℓ]″ = σ″(z[ℓ]) z[ℓ]′² + σ′(z[ℓ]) z[ℓ]″, bounded in
    absolute value term by term (|W|, sup|σ″| on the cell's z interval, |z′| ≤ |Um| + Ur); +inf where a kink of a
    ReLU lies inside.
    """
    n = centers.shape[1]
    rows = max(1, _BLOCK // (n * max(g.widths[1:])))
    S, V = np.empty((len(centers), n)), np.empty(len(centers))
    curv = np.empty(len(centers)) if curvature else None
    for start in range(0, len(centers), rows):
        block = slice(start, start + rows)
        S[block], bent, V[block] = _deep_block(g, centers[block], radii[block], curvature)
        if curvature:
            curv[block] = bent
    return S, curv, V


@dataclass(frozen=True, eq=False)
class SupBracket:
    """A certified bracket lower ≤ sup_{x∈K} ‖f(x) − g(x)‖₂ ≤ upper.

    Attributes
    ----------
    lower : float
        The largest error evaluated, attained at ``argmax``.
    upper : float
        The bound proved by branch and bound (see the module docstring for what it assumes).
    argmax : ndarray (n,)
    converged : bool
        Whether ``upper − lower ≤ max(rtol·lower, atol)`` was reached within the budget.
    n_evals : int
        Points where f − g was evaluated.
    n_cells : int
        Cells still open (not discarded) at the end.
    rounds : int
    lipschitz : float
        L_f used.
    floor : float
        The rounding floor added to ``upper``.
    method : str
        How the bracket was obtained, in words.
    kind : str
        The same in a few words without numbers ("1-D, second order"), for summaries.
    outcome : str
        How it ended, a key of :data:`OUTCOMES`: "converged", "budget" (ran out) or "hopeless" (stopped
        early, see :data:`HOPELESS`); ``OUTCOMES[outcome]`` says it in words.
    """

    lower: float
    upper: float
    argmax: np.ndarray
    converged: bool
    n_evals: int
    n_cells: int
    rounds: int
    lipschitz: float
    floor: float
    method: str
    kind: str = ""
    outcome: str = "converged"

    @property
    def gap(self) -> float:
        """(upper − lower) / lower (inf when lower is 0)."""
        return (self.upper - self.lower) / self.lower if self.lower > 0 else math.inf


def _interval_bounds(L, curvature, x0, x1, e0, e1, slope, curv):
    """Upper bounds of the error on the intervals [x0, x1] from the errors e0, e1 at their ends.

    First order: with Λ = L_f + ``slope`` (a Lipschitz bound of g on the interval), e ≤ (e0 + e1 + Λh)/2.
    Second order, where f's curvature is known: the error vector r = f − g differs from its linear
    interpolant by at most h²/8·sup‖r″‖ ≤ h²/8·(sup‖f″‖ + ``curv``), and the interpolant's norm is at most
    max(e0, e1).
    """
    h = x1 - x0
    first = 0.5 * (e0 + e1) + 0.5 * (L + slope) * h
    if curvature is None:
        return _finite(first)
    return _finite(np.minimum(first, np.maximum(e0, e1) + (curvature + curv) * h * h / 8))


def _finite(bounds: np.ndarray) -> np.ndarray:
    """A bound that overflowed (inf, or NaN from 0·inf with weights near 1e200) proves nothing: +inf,
    so that the cell is kept and refined, never discarded."""
    return np.where(np.isnan(bounds), np.inf, bounds)


def _fresh_1d(g, x0, x1, curvature):
    """g's slope and curvature bounds on the intervals [x0, x1]."""
    S, curv = _slopes(g, (0.5 * (x0 + x1))[:, None], (0.5 * (x1 - x0))[:, None], curvature is not None)
    return S[:, 0], curv if curv is not None else np.zeros(len(x0))


#: How a branch and bound ended (``SupBracket.outcome``), and what it means.
OUTCOMES = {
    "converged": "closed to the requested gap",
    "budget": "the budget of evaluations ran out before the requested gap",
    "hopeless": "stopped early: its projection showed that its whole budget would leave the upper bound above "
                "HOPELESS times the attained error (interval bounds cannot see the cancellation of large "
                "coefficients); the upper bound is what was proved by then",
}
#: A branch and bound stops early when its projection says that spending the whole remaining budget would
#: still leave upper > HOPELESS·lower (sup_error's brackets; sup_bracket's and a study's spend their budget).
HOPELESS = 100.0


class _Search:
    """What a branch and bound has found so far: the attained lower bound, its point, the budget spent,
    and (``predicted``) the evaluations it projected it would need when it stopped as hopeless (the ratio
    ``hopeless``, :data:`HOPELESS` by default; inf never stops early)."""

    def __init__(self, errors, lower: float, argmax: np.ndarray, budget: int, gap, dim: int,
                 hopeless: float = HOPELESS):
        self.errors, self.lower, self.argmax, self.budget, self.gap = errors, lower, argmax, budget, gap
        self.dim, self.spent, self.rounds, self.predicted = dim, 0, 0, None
        self.hopeless = hopeless
        self.cover = None  # a cover of a K other than a box: (cells of the first grid, cells of it that meet K)

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        values = self.errors(X)
        self.spent += len(X)
        i = int(np.argmax(values))
        if values[i] > self.lower:
            self.lower, self.argmax = float(values[i]), X[i].copy()
        return values

    def to_split(self, bounds: np.ndarray, splittable: np.ndarray, per_cell: int) -> np.ndarray | None:
        """Indices of the open cells to bisect this round (the largest bounds first when the budget is
        short), or None when the bracket is closed, the budget spent or the rest of it hopeless."""
        open_ = np.flatnonzero((bounds > self.lower + self.gap(self.lower)) & splittable)
        room = (self.budget - self.spent) // per_cell
        if len(open_) == 0 or room < 1 or self._hopeless(bounds[open_], room * per_cell):
            return None
        return open_ if len(open_) <= room else open_[np.argsort(bounds[open_])[::-1][:room]]

    def _hopeless(self, bounds: np.ndarray, remaining: int) -> bool:
        """Whether even ``remaining`` evaluations would leave upper > HOPELESS·lower.

        Projection: a cell's excess over the lower bound falls at best like the square of its size
        (second order in 1-D; in n-D the interval terms of σ′ are second order too), so closing a cell
        with excess x to the gap γ takes about (x/γ)^(n/2) cells, and spending N evaluations where
        P are needed leaves an excess of about γ·(P/N)^(2/n). Measured on 16 ill-conditioned
        least-squares fits (benchmarks/bracket_projection.md), the projection after the first round was
        0.80–0.90 of the upper/lower the whole budget then reached on the 12 that do not close: slightly
        optimistic, as it should be.
        """
        current = float(bounds.max())
        if self.lower <= 0 or not np.isfinite(current) or current <= self.hopeless * self.lower:
            return False  # already within HOPELESS of the lower bound: never called hopeless
        predicted, projected = self.projection(bounds, remaining)
        if predicted <= remaining or projected <= self.hopeless * self.lower:
            return False
        self.predicted = predicted
        return True

    def projection(self, bounds: np.ndarray, remaining: int) -> tuple[float, float]:
        """(P, U): the evaluations projected to close every open cell to the gap, and the upper bound that
        ``remaining`` evaluations are projected to reach (:meth:`_hopeless`); U is at most the current upper
        bound, since bounds never rise. Needs lower > 0 and finite bounds."""
        gap = self.gap(self.lower)
        predicted = float(np.sum(np.maximum((bounds - self.lower) / gap, 1.0) ** (self.dim / 2) - 1))
        projected = self.lower + gap * max(predicted / remaining, 1.0) ** (2 / self.dim)
        return predicted, min(float(bounds.max()), projected)

    def open_after(self, bounds: np.ndarray) -> np.ndarray:
        return bounds > self.lower + self.gap(self.lower)


def _bracket_1d(search: _Search, g, L, curvature, edges, e, smallest):
    """Branch and bound on the intervals between ``edges`` (errors ``e`` there), bisecting the open ones.

    A child interval inherits its parent's slope and curvature bounds of g (they hold on every
    sub-interval); only children that these leave open get bounds of their own, which are never
    looser (the smaller of the two is kept).
    """
    x0, x1, e0, e1 = edges[:-1], edges[1:], e[:-1], e[1:]
    slope, curv = _fresh_1d(g, x0, x1, curvature)
    bounds = _interval_bounds(L, curvature, x0, x1, e0, e1, slope, curv)
    while True:
        keep = bounds > search.lower  # an interval bounded by the attained lower bound cannot raise the sup
        x0, x1, e0, e1, slope, curv, bounds = (v[keep] for v in (x0, x1, e0, e1, slope, curv, bounds))
        split = search.to_split(bounds, x1 - x0 > smallest, per_cell=1)
        if split is None:
            return bounds
        rest = np.ones(len(x0), bool)
        rest[split] = False
        a, b, ea, eb = x0[split], x1[split], e0[split], e1[split]
        mid = 0.5 * (a + b)
        em = search.evaluate(mid[:, None])
        c0, c1 = np.concatenate([a, mid]), np.concatenate([mid, b])
        ce0, ce1 = np.concatenate([ea, em]), np.concatenate([em, eb])
        cs, cc = np.tile(slope[split], 2), np.tile(curv[split], 2)
        cb = _interval_bounds(L, curvature, c0, c1, ce0, ce1, cs, cc)
        fresh = np.flatnonzero(search.open_after(cb))
        if len(fresh):
            s_new, c_new = _fresh_1d(g, c0[fresh], c1[fresh], curvature)
            cs[fresh], cc[fresh] = np.fmin(cs[fresh], s_new), np.fmin(cc[fresh], c_new)
            cb[fresh] = _interval_bounds(L, curvature, c0[fresh], c1[fresh], ce0[fresh], ce1[fresh], cs[fresh],
                                         cc[fresh])
        x0, x1 = np.concatenate([x0[rest], c0]), np.concatenate([x1[rest], c1])
        e0, e1 = np.concatenate([e0[rest], ce0]), np.concatenate([e1[rest], ce1])
        slope, curv = np.concatenate([slope[rest], cs]), np.concatenate([curv[rest], cc])
        bounds = np.concatenate([bounds[rest], cb])
        search.rounds += 1


def _initial_cells(domain: Domain, n_cells: int):
    """A grid of about ``n_cells`` equal cells over K's bounding box (K's own box when K is one)."""
    lower, upper = (np.asarray(v, float) for v in domain.bounds)
    n = domain.dim
    per_axis = max(1, int(math.ceil(n_cells ** (1.0 / n))))
    h = (upper - lower) / per_axis
    grids = np.meshgrid(*[lower[i] + (np.arange(per_axis) + 0.5) * h[i] for i in range(n)], indexing="ij")
    centers = np.stack([grid.ravel() for grid in grids], axis=1)
    return centers, np.broadcast_to(h / 2, centers.shape).copy()


def _split(centers: np.ndarray, radii: np.ndarray, scale: np.ndarray):
    """Bisect every cell along its longest side (relative to the domain's extent)."""
    axis = np.argmax(radii / scale, axis=1)
    rows = np.arange(len(centers))
    half = radii.copy()
    half[rows, axis] /= 2
    left, right = centers.copy(), centers.copy()
    left[rows, axis] -= half[rows, axis]
    right[rows, axis] += half[rows, axis]
    return np.vstack([left, right]), np.vstack([half, half])


def _cell_bounds(values, L, radii, S):
    """e ≤ e(c) + L_f‖r‖₂ + Σ_l S_l r_l on each cell."""
    return _finite(values + L * np.linalg.norm(radii, axis=1) + np.sum(S * radii, axis=1))


def _bracket_nd(search: _Search, g, domain, L, n_initial, smallest):
    """n-D: cells by their centres, bisected along their longest side; children inherit their parent's
    slopes S and get their own where those leave them open, as in 1-D."""
    centers, radii = _initial_cells(domain, n_initial)
    values = search.evaluate(centers)
    scale = np.asarray(domain.upper, float) - np.asarray(domain.lower, float)
    S, _ = _slopes(g, centers, radii)
    bounds = _cell_bounds(values, L, radii, S)
    while True:
        keep = bounds > search.lower  # a cell bounded by the attained lower bound cannot raise the sup
        centers, radii, S, bounds = centers[keep], radii[keep], S[keep], bounds[keep]
        split = search.to_split(bounds, np.any(radii > smallest, axis=1), per_cell=2)
        if split is None:
            return bounds
        rest = np.ones(len(centers), bool)
        rest[split] = False
        child_c, child_r = _split(centers[split], radii[split], scale)
        child_v = search.evaluate(child_c)
        child_S = np.tile(S[split], (2, 1))
        child_b = _cell_bounds(child_v, L, child_r, child_S)
        fresh = np.flatnonzero(search.open_after(child_b))
        if len(fresh):
            child_S[fresh] = np.fmin(child_S[fresh], _slopes(g, child_c[fresh], child_r[fresh])[0])
            child_b[fresh] = _cell_bounds(child_v[fresh], L, child_r[fresh], child_S[fresh])
        centers = np.vstack([centers[rest], child_c])
        radii = np.vstack([radii[rest], child_r])
        S = np.vstack([S[rest], child_S])
        bounds = np.concatenate([bounds[rest], child_b])
        search.rounds += 1


def _anchor(domain: Domain, centers: np.ndarray, radii: np.ndarray):
    """For cells (centres c, half-widths r) of a cover of K: a point q of K for each, the reach d (|x − q| ≤ d per
    axis for every x of the cell) and the hull of the cell and q (centre, half-widths), on which g's slopes bound
    g along every segment from q to the cell; and which cells have such a q.

    q is c where c lies in K (then d = r and the hull is the cell, as on a box), else the candidate in K with the
    smallest reach among the projection of c and the cell's corners. A cell none of whose candidates lies in K
    (only where ``project`` fails its contract) has no anchor: it is kept unevaluated, with an infinite bound.
    """
    n = centers.shape[1]
    q, reach = centers.copy(), radii.copy()
    hull_c, hull_r = centers.copy(), radii.copy()
    anchored = domain.contains(centers)
    away = np.flatnonzero(~anchored)
    if len(away) == 0:
        return q, reach, hull_c, hull_r, anchored
    signs = np.array(list(itertools.product((-1.0, 1.0), repeat=n)))
    step = max(1, _BLOCK // (len(signs) + 1))
    for start in range(0, len(away), step):
        rows = away[start:start + step]
        c, r = centers[rows], radii[rows]
        candidates = np.concatenate([domain.project(c)[:, None, :], c[:, None, :] + signs[None] * r[:, None, :]],
                                    axis=1)
        ok = domain.contains(candidates.reshape(-1, n)).reshape(len(rows), -1)
        d = r[:, None, :] + np.abs(candidates - c[:, None, :])
        size = np.where(ok, np.linalg.norm(d, axis=2), np.inf)
        best = np.argmin(size, axis=1)
        pick = np.arange(len(rows))
        q[rows], reach[rows], anchored[rows] = candidates[pick, best], d[pick, best], ok[pick, best]
        lo, hi = np.minimum(c - r, q[rows]), np.maximum(c + r, q[rows])
        mid = 0.5 * (lo + hi)
        hull_c[rows] = mid
        hull_r[rows] = np.maximum(hi - mid, mid - lo) * (1 + 4 * _EPS) + _EPS * np.abs(mid)
    return q, reach, hull_c, hull_r, anchored


def _cover_bounds(values, L, reach, S, anchored):
    """e ≤ e(q) + L_f‖d‖₂ + Σ_l S_l d_l on each cell of a cover (+inf where no anchor was found)."""
    bounds = _finite(values + L * np.linalg.norm(reach, axis=1) + np.sum(S * reach, axis=1))
    return np.where(anchored, bounds, np.inf)


def _bracket_cover(search: _Search, g, domain: Domain, L, n_initial, smallest):
    """A K other than a box: the cells of a grid over K's bounding box that meet K (``domain.meets``), bisected as
    in :func:`_bracket_nd`, each bounded from a point q of K in or next to it (:func:`_anchor`), so that f is
    evaluated only in K; children that provably miss K are dropped (:func:`_cover_children`)."""
    centers, radii = _initial_cells(domain, n_initial)
    meets = domain.meets(centers - radii, centers + radii)
    search.cover = (len(centers), int(meets.sum()))
    lo, hi = (np.asarray(v, float) for v in domain.bounds)
    cells = _cover_cells(search, domain, centers[meets], radii[meets], None)
    cells["S"] = _slopes(g, cells["hull_c"], cells["hull_r"])[0]
    cells["bounds"] = _cover_bounds(cells["values"], L, cells["reach"], cells["S"], cells["anchored"])
    while True:
        keep = cells["bounds"] > search.lower  # a cell bounded by the attained lower bound cannot raise the sup
        cells = {key: v[keep] for key, v in cells.items()}
        split = search.to_split(cells["bounds"], np.any(cells["radii"] > smallest, axis=1), per_cell=2)
        if split is None:
            return cells["bounds"]
        rest = np.ones(len(cells["bounds"]), bool)
        rest[split] = False
        children = _cover_children(search, g, domain, L, {key: v[split] for key, v in cells.items()}, hi - lo)
        cells = {key: np.concatenate([v[rest], children[key]]) for key, v in cells.items()}
        search.rounds += 1


def _cover_cells(search: _Search, domain: Domain, centers: np.ndarray, radii: np.ndarray, parent_S):
    """Cells (centres, half-widths) that meet K with their anchors (:func:`_anchor`) and the errors there; with
    ``parent_S`` (their parents' slopes) those slopes where a cell's hull lies in its parent's, else inf."""
    q, reach, hull_c, hull_r, anchored = _anchor(domain, centers, radii)
    values = np.zeros(len(centers))
    values[anchored] = search.evaluate(q[anchored])
    cells = {"centers": centers, "radii": radii, "reach": reach, "hull_c": hull_c, "hull_r": hull_r,
             "anchored": anchored, "values": values}
    if parent_S is not None:
        S, parent_lo, parent_hi = parent_S
        within = np.all((q >= parent_lo) & (q <= parent_hi), axis=1)  # then the hull lies in the parent's
        cells["S"] = np.where(within[:, None], S, np.inf)
    return cells


def _cover_children(search: _Search, g, domain: Domain, L, parents: dict, scale: np.ndarray) -> dict:
    """The children of the bisected ``parents`` that meet K, bounded: a child inherits its parent's slopes where
    its hull lies in the parent's (its q does) and gets its own where the bound they give leaves it open."""
    centers, radii = _split(parents["centers"], parents["radii"], scale)
    parent_S = [np.tile(v, (2, 1)) for v in (parents["S"], parents["hull_c"] - parents["hull_r"],
                                              parents["hull_c"] + parents["hull_r"])]
    meets = domain.meets(centers - radii, centers + radii)
    cells = _cover_cells(search, domain, centers[meets], radii[meets], [v[meets] for v in parent_S])
    S, values, reach, anchored = cells["S"], cells["values"], cells["reach"], cells["anchored"]
    bounds = _cover_bounds(values, L, reach, S, anchored)
    fresh = np.flatnonzero(search.open_after(bounds) & anchored)
    if len(fresh):
        S[fresh] = np.fmin(S[fresh], _slopes(g, cells["hull_c"][fresh], cells["hull_r"][fresh])[0])
        bounds[fresh] = _cover_bounds(values[fresh], L, reach[fresh], S[fresh], anchored[fresh])
    cells["bounds"] = bounds
    return cells


#: Cells of the first n-D grid (1-D: intervals between grid points), by dimension.
_N_INITIAL = {1: 1024, 2: 64**2, 3: 16**3}


@pinned_blas
def sup_bracket(f, g, domain=None, *, lipschitz: float | None = None, curvature: float | None = None,
                rtol: float = 1e-2, atol: float = 0.0, max_evals: int = 1 << 20, n_initial: int | None = None,
                points=None) -> SupBracket:
    """Certified lower and upper bounds of sup_{x∈K} ‖f(x) − g(x)‖₂ on a compact K of dimension 1 to 3: a box, a
    cover of another K by the cells that meet it, or the exact maximum on a point set (module docstring).

    Parameters
    ----------
    f : str, Target or callable
        The target (as for :func:`uat.sup_error`).
    g : ShallowNetwork or DeepNetwork
        Every σ continuous, with ``deriv_critical`` or a Lipschitz constant (on a point set any g).
    domain : a uat domain or str, optional
        K (default the target's own): a box, a point set or a K that :func:`cover_refusal` accepts.
    lipschitz, curvature : float, optional
        A Lipschitz constant of f on K (required) and (1-D) a bound of sup‖f″‖₂ on K, which also bounds cells
        to second order, much tighter where the error is small and smooth; default the target's own.
    rtol, atol : float
        Stop when upper − lower ≤ max(rtol·lower, atol, 2·floor), floor the rounding noise of the errors.
    max_evals : int
        Budget of error evaluations, spent whole when the bracket does not close (no early stop, unlike sup_error's).
    n_initial : int, optional
        Cells of the first grid (default 1024 in 1-D, 64² in 2-D, 16³ in 3-D); in 1-D every unit's
        transition −b_i/a_i inside K is a cell edge too.
    points : array (p, n), optional
        Points of K whose errors seed the lower bound (e.g. :func:`uat.sup_error`'s argmax).

    Returns
    -------
    SupBracket

    Examples
    --------
    >>> g = ShallowNetwork([[1.0]], [0.0], [[0.5]], "relu")    # g(x) = max(x, 0)/2
    >>> bracket = sup_bracket("abs", g, rtol=1e-6)             # sup |x| − g = 1 at x = −1
    >>> bracket.lower, bracket.upper <= 1 + 1e-6, bracket.converged
    (1.0, True, True)
    """
    target, L, M = _bracket_facts(f, g, domain, lipschitz, curvature)
    domain = target.domain
    rtol, atol, max_evals = check_nonnegative("rtol", rtol), check_nonnegative("atol", atol), check_int("max_evals", max_evals)
    errors, floor = ErrorFunction(target, g, domain), rounding_floor(target, g, domain.sample(FLOOR_POINTS, "sobol", rng=0))
    if isinstance(domain, PointSet):
        return _exact_bracket(errors, floor)
    n_initial = check_int("n_initial", n_initial) if n_initial is not None else _N_INITIAL[domain.dim]
    extra = domain_points(points, domain)
    grid = _first_grid(errors, g, n_initial) if isinstance(domain, Box) and domain.dim == 1 else None
    seeds = errors(extra) if len(extra) else np.empty(0)
    return branch_and_bound(errors, g, L, M, rtol=rtol, atol=atol, budget=max_evals - errors.count, floor=floor,
                            grid=grid, seeds=(extra, seeds), n_initial=n_initial, hopeless=math.inf)


def bracket_refusal(f, g, domain=None) -> str:
    """Why :func:`sup_bracket` would refuse to bracket g against f on the domain (no L_f, a model it cannot bound,
    a σ without the facts, a K of dimension above 3 or one that cannot be covered), in its own words; "" when it
    would not."""
    try:
        _bracket_facts(f, g, domain, None, None)
    except (TypeError, ValueError) as err:
        return str(err)
    return ""


def _bracket_facts(f, g, domain, lipschitz, curvature):
    """(target, L_f, curvature or None) for :func:`sup_bracket`, after checking that a bracket can be proved:
    g a network with a boundable σ, K of dimension ≤ 3 that can be covered (:func:`cover_refusal`), L_f known; on a
    point set nothing (its maximum is exact)."""
    target = check_pair(f, g, domain)
    domain = target.domain
    if isinstance(domain, PointSet):
        return target, None, None  # the maximum over its points is exact: no facts needed
    hints = search_hints(g, domain)
    if not hints.bracketable:
        why = f": {hints.no_bracket}" if hints.no_bracket else ""
        raise TypeError(f"g must be a ShallowNetwork or a DeepNetwork to be bracketed (its parameters give the "
                        f"bounds); got {g!r}{why}")
    why = cover_refusal(domain)
    if why:
        raise ValueError(why)
    L = target.lipschitz if lipschitz is None else check_nonnegative("lipschitz", lipschitz)
    if L is None:
        raise ValueError(f"target {target.name!r} has no known Lipschitz constant on {domain}, so no upper bound can "
                         "be proved; pass lipschitz= (a bound of ‖f(x) − f(y)‖/‖x − y‖ on K; `uat fit --lipschitz`, a study's "
                         "[facts] table)")
    M = target.curvature if curvature is None else check_nonnegative("curvature", curvature)
    for act in _sigmas(g):
        if not can_bracket(act):
            raise ValueError(f"activation {act.name!r} gives no bound of g between points (discontinuous, or no "
                             "Lipschitz constant)")
    return target, L, M


def cover_refusal(domain: Domain) -> str:
    """Why no certified bracket can be proved on the domain K, in its own words; "" when it can: K of dimension 1,
    2 or 3, either a box or a domain whose ``meets`` and ``inside`` are sharp (``boxes_decided``: balls, annuli,
    simplices, polygons, spheres and their set algebra), so that the cells meeting K cover it and shrink onto it."""
    if domain.dim > 3:
        return (f"certified brackets are computed on domains of dimension 1, 2 or 3 (a cover by boxes); got the "
                f"{domain.dim}-D domain {domain}")
    if not domain.boxes_decided:
        part = domain
        while not isinstance(part, (Curve, LevelSet)) and any(not p.boxes_decided for p in getattr(part, "parts", ())):
            part = next(p for p in part.parts if not p.boxes_decided)
        why = _UNDECIDED.get(type(part).__name__, "its meets and inside are not sharp (boxes_decided is False)")
        return (f"certified brackets need a domain that decides which boxes meet it (a box, ball, annulus, simplex, "
                f"polygon, sphere, point set or their set algebra); {domain} cannot prove that a cell misses it: "
                + (f"{why}" if part is domain else f"its part {part}: {why}"))
    return ""


#: Why a domain class cannot decide boxes, for :func:`cover_refusal`.
_UNDECIDED = {
    "Curve": "a Curve's meets is a heuristic, as γ has no known Lipschitz constant",
    "LevelSet": "without bounds of h on a box, a LevelSet knows only the box it lies in",
}


def _first_grid(errors: ErrorFunction, g: ShallowNetwork | DeepNetwork, n_initial: int):
    """1-D: ``n_initial`` equal intervals with every unit transition inside K as an edge too (so that ReLU kinks
    are cell edges: a deep ReLU net's breakpoints, layer by layer), and the errors at the edges."""
    lo, hi = float(errors.domain.lower[0]), float(errors.domain.upper[0])
    transitions = search_hints(g, errors.domain).inside(lo, hi)
    edges = np.unique(np.concatenate([np.linspace(lo, hi, n_initial + 1), transitions]))
    return edges, errors(edges[:, None])


def branch_and_bound(errors: ErrorFunction, g: ShallowNetwork | DeepNetwork, lipschitz: float, curvature: float | None, *,
                     rtol: float, atol: float, budget: int, floor: float, grid=None, seeds=None,
                     n_initial: int | None = None, hopeless: float | None = None) -> SupBracket:
    """The bracket of :func:`sup_bracket` from checked inputs, for callers that have evaluated errors already.

    Parameters
    ----------
    errors : ErrorFunction
        x ↦ ‖f(x) − g(x)‖ on K (a box, or a K that :func:`cover_refusal` accepts).
    g, lipschitz, curvature
        The network, L_f and sup‖f″‖ (or None; used in 1-D).
    rtol, atol, floor
        The target gap max(rtol·lower, atol, 2·floor); ``floor`` is added to ``upper``.
    budget : int
        Error evaluations the branch and bound may spend (beyond ``grid`` and ``seeds``).
    grid : (edges (p,), errors (p,)), 1-D box
        Sorted points of K, the domain's ends and every unit transition inside it among them, with
        their errors: the first intervals (required in 1-D).
    seeds : (points (q, n), errors (q,)), optional
        Evaluated points that seed the lower bound.
    n_initial : int
        n-D: cells of the first grid.
    hopeless : float, optional
        The early stop's ratio (default :data:`HOPELESS`); ``math.inf`` spends the whole budget.
    """
    domain = errors.domain
    gap = lambda lower: max(rtol * lower, atol, 2 * floor)  # noqa: E731
    points, values = seeds if seeds is not None else (np.empty((0, domain.dim)), np.empty(0))
    lower, argmax = _best_given(domain, points, values, grid)
    search = _Search(errors, lower, argmax, budget, gap, domain.intrinsic_dim,
                     HOPELESS if hopeless is None else hopeless)
    box = isinstance(domain, Box)
    if box and domain.dim == 1:
        smallest = 4 * _EPS * max(abs(float(domain.lower[0])), abs(float(domain.upper[0])))
        bounds = _bracket_1d(search, g, lipschitz, curvature, grid[0], grid[1], smallest)
    else:
        lo, hi = (np.asarray(v, float) for v in domain.bounds)
        smallest = 4 * _EPS * np.maximum(np.abs(lo), np.abs(hi))
        run = _bracket_nd if box else _bracket_cover
        bounds = run(search, g, domain, lipschitz, n_initial or _N_INITIAL[domain.dim], smallest)
    n_evals = search.spent + (len(grid[0]) if box and domain.dim == 1 else 0) + len(values)
    return _bracket_result(search, bounds, lipschitz, curvature, floor, budget, n_evals)


def _best_given(domain: Domain, points: np.ndarray, values: np.ndarray, grid):
    """The attained lower bound the search starts from and its point: the largest of the seeds' errors and
    (1-D box) the grid's, or 0 at K's lower corner (projected onto K when K is not a box)."""
    corner = np.asarray(domain.bounds[0], float)[None]
    lower, argmax = 0.0, (corner if isinstance(domain, Box) else domain.project(corner))[0].copy()
    if len(values) and values.max() > lower:
        lower, argmax = float(values.max()), points[int(np.argmax(values))].copy()
    if isinstance(domain, Box) and domain.dim == 1:
        edges, e = grid
        if e.max() > lower:
            lower, argmax = float(e.max()), edges[int(np.argmax(e))][None].copy()
    return lower, argmax


def _exact_bracket(errors: ErrorFunction, floor: float) -> SupBracket:
    """On a point set: lower = the largest error over all its points, upper = that plus the rounding floor."""
    X = errors.domain.X
    e = errors(X)
    i = int(np.argmax(e))
    lower = float(e[i])
    method = (f"exact: the maximum over all {len(X)} points of K (a finite set), no branch and bound; upper includes "
              f"the rounding floor {floor:.2g}")
    return SupBracket(lower, float(lower * (1 + 8 * _EPS) + floor), X[i].astype(float), True, len(X), 0, 0, 0.0,
                      float(floor), method, "exact (point set)", "converged")


def _bracket_result(search: _Search, bounds: np.ndarray, L: float, M: float | None, floor: float, budget: int,
                    n_evals: int) -> SupBracket:
    """The bracket that ``search`` reached, with ``bounds`` the bounds of the cells left open."""
    lower, dim = search.lower, np.atleast_1d(search.argmax).size  # K's ambient dimension (search.dim: its own)
    proved = max(lower, float(bounds.max()) if len(bounds) else lower)
    converged = proved - lower <= search.gap(lower)
    outcome = "converged" if converged else "hopeless" if search.predicted is not None else "budget"
    upper = float(proved * (1 + 8 * _EPS) + floor)
    if dim == 1 and search.cover is None:
        how = "1-D intervals between grid points and unit transitions, " + (
            f"first- and second-order bounds (L_f = {L:.6g}, sup|f″| ≤ {M:.6g})" if M is not None else
            f"first-order bounds (L_f = {L:.6g})")
    elif search.cover is None:
        how = f"{dim}-D boxes, first-order bounds (L_f = {L:.6g})"
    else:
        first, meeting = search.cover
        how = (f"a cover of K by {dim}-D boxes ({meeting} of the first grid's {first} cells over K's bounding box "
               f"meet K; cells that miss K dropped), first-order bounds from a point of K in or next to each cell "
               f"(L_f = {L:.6g})")
    method = (f"branch and bound: {how}, interval bounds of σ′ per cell; {search.spent} evaluations in "
              f"{search.rounds} rounds, {len(bounds)} cells open; upper includes the rounding floor {floor:.2g}"
              + ("" if converged else f"; the budget of {budget} evaluations ran out before the requested gap"
                 if outcome == "budget" else
                 f"; stopped early: it projected ≈{search.predicted:.2g} more evaluations to close, and that its "
                 f"budget of {budget} would leave the upper bound above {HOPELESS:g}× the lower"))
    kind = (f"{dim}-D, " + ("second order" if dim == 1 and M is not None else "first order") if search.cover is None
            else f"{dim}-D cover of K, first order")
    return SupBracket(lower, upper, np.atleast_1d(search.argmax).astype(float), bool(converged), n_evals,
                      len(bounds), search.rounds, float(L), float(floor), method, kind, outcome)
