"""The deep ReLU networks that make depth concrete: Telgarsky's sawtooth and Yarotsky's x², and the exact
breakpoints of a 1-D piecewise-linear deep network.

The hat g(x) = 2ρ(x) − 4ρ(x − ½) + 2ρ(x − 1), ρ = relu, is 2x on [0, ½], 2 − 2x on [½, 1] and 0 outside
[0, 1]; it maps [0, 1] onto [0, 1]. Its s-fold composition g_s = g∘…∘g is the sawtooth with 2^s linear
pieces on [0, 1]: by induction g_s(x) = g_{s−1}(2x) on [0, ½] and g_{s−1}(2 − 2x) on [½, 1], so
g_s(j·2^−s) = j mod 2 and g_s is linear, of slope ±2^s, between those points (Telgarsky, "Benefits of
depth in neural networks", COLT 2016).

Yarotsky ("Error bounds for approximations with deep ReLU networks", Neural Networks 94, 2017):
f_m(x) = x − Σ_{s=1..m} g_s(x)/4^s is the piecewise-linear interpolant of x² at the 2^m + 1 points
j·2^−m, because f_{m−1} − f_m = g_m/4^m is exactly the difference of the interpolants on the grids of
spacing 2h and h = 2^−m (a hat of height h²/4 on each coarse interval). So on each piece [t, t + h],
f_m(x) − x² = (x − t)(t + h − x), largest h²/4 = 2^(−2m−2) at the midpoints.

Depth separation (Telgarsky): a one-hidden-layer ReLU network with k units is piecewise linear with at
most k + 1 pieces on ℝ; g_s crosses ½ 2^s times on [0, 1], so a φ with sup|g_s − φ| < ½ must cross ½
as often, once per piece at most: k + 1 ≥ 2^s. Hence k ≤ 2^s − 2 units leave sup error ≥ ½, while
the deep g_s has 3s units.

:func:`relu_breakpoints` gives the points where a 1-D deep network with piecewise-linear σ may bend, layer
by layer, so that the sup of |f − Φ| for a piecewise-linear f is a max over finitely many points.
"""

from __future__ import annotations

import numpy as np

from uat._validation import check_int, check_real
from uat.activations import get_activation, list_activations
from uat.deep import DeepNetwork, bends_at_zero

__all__ = ["sawtooth", "yarotsky_square", "relu_breakpoints"]

#: the hat g(x) = c · ρ(x − t): its shifts t and its coefficients c
HAT_SHIFTS = np.array([0.0, 0.5, 1.0])
HAT_COEFFICIENTS = np.array([2.0, -4.0, 2.0])


def sawtooth(s: int) -> DeepNetwork:
    """g_s = g∘…∘g (s times), the hat g(x) = 2ρ(x) − 4ρ(x − ½) + 2ρ(x − 1), as a deep ReLU network.

    Parameters
    ----------
    s : int
        The number of hats composed, s ≥ 1.

    Returns
    -------
    DeepNetwork
        Kutyniok's Φ with depth L = s + 1 and widths (1, 3, …, 3, 1): s hidden layers of 3 units, 3s units
        and 12s − 2 parameters. Hidden layer ℓ holds ρ(g_{ℓ−1}(x) − t) for t = 0, ½, 1 (g_0(x) = x), and
        the next layer reads g_ℓ = 2ρ(·) − 4ρ(· − ½) + 2ρ(· − 1) off them,
        so W_1 = (1, 1, 1)ᵀ, W_ℓ = (1, 1, 1)ᵀ(2, −4, 2) for 2 ≤ ℓ ≤ s, W_{s+1} = (2, −4, 2), b_ℓ = −(0, ½, 1)
        and b_{s+1} = 0. On [0, 1] it has 2^s linear pieces, 0 at even multiples of 2^−s and 1 at odd ones.

    >>> sawtooth(3)([[1 / 8], [2 / 8], [5 / 16]])[:, 0].tolist()
    [1.0, 0.0, 0.5]
    """
    s = check_int("s", s, minimum=1)
    hats = np.outer(np.ones(3), HAT_COEFFICIENTS)
    weights = [np.ones((3, 1))] + [hats] * (s - 1) + [HAT_COEFFICIENTS[None, :]]
    biases = [-HAT_SHIFTS] * s + [np.zeros(1)]
    return DeepNetwork(weights, biases, activation="relu")


def yarotsky_square(m: int) -> DeepNetwork:
    """f_m(x) = x − Σ_{s=1..m} g_s(x)/4^s on [0, 1] as one deep ReLU network (Yarotsky 2017).

    f_m interpolates x² at the 2^m + 1 points j·2^−m and sup_{[0,1]} |x² − f_m| = 2^(−2m−2).

    Parameters
    ----------
    m : int
        The number of sawtooth terms, m ≥ 0 (m = 0 is f_0(x) = x).

    Returns
    -------
    DeepNetwork
        Kutyniok's Φ with depth L = m + 1 and widths (1, 4, …, 4, 1): m hidden layers of 4 units, 4m units
        and 20m − 7 parameters (m = 0 is the single affine map x ↦ x, widths (1, 1), 2 parameters).
        Hidden layer ℓ holds the three hat units ρ(g_{ℓ−1}(x) − t), t = 0, ½, 1, and the carry
        ρ(f_{ℓ−1}(x)) = f_{ℓ−1}(x), exact because f_{ℓ−1} ≥ x² ≥ 0 on [0, 1] (layer 1: ρ(x) = x). The next
        layer reads g_ℓ = 2ρ(·) − 4ρ(· − ½) + 2ρ(· − 1) off the hat units and updates the carry to
        f_ℓ = f_{ℓ−1} − g_ℓ/4^ℓ; the output is f_m. Outside [0, 1] the network is not f_m (ρ(x) = 0 for x < 0).

    >>> yarotsky_square(2)([[0.25], [0.5], [0.125]])[:, 0].tolist()  # x² at the knots, (0 + 1/16)/2 between
    [0.0625, 0.25, 0.03125]
    """
    m = check_int("m", m, minimum=0)
    if m == 0:
        return DeepNetwork([np.ones((1, 1))], [np.zeros(1)], activation="relu")
    weights = [np.ones((4, 1))] + [_yarotsky_step(s) for s in range(1, m)] + [_yarotsky_step(m)[3:]]
    biases = [np.append(-HAT_SHIFTS, 0.0)] * m + [np.zeros(1)]
    return DeepNetwork(weights, biases, activation="relu")


def _yarotsky_step(s: int) -> np.ndarray:
    """The (4, 4) map from (hat units of g_{s−1}, carry f_{s−1}) to (g_s − t for t = 0, ½, 1 before the
    bias, f_s = f_{s−1} − g_s/4^s)."""
    step = np.zeros((4, 4))
    step[:3, :3] = HAT_COEFFICIENTS
    step[3, :3] = -HAT_COEFFICIENTS / 4.0**s
    step[3, 3] = 1.0
    return step


# --- breakpoints --------------------------------------------------------------------------------------------

def _piecewise_linear_names() -> str:
    return ", ".join(name for name in list_activations() if bends_at_zero(get_activation(name)) is not None)


def _kinked_layers(net: DeepNetwork) -> list[int]:
    """The 0-based layers ℓ whose z_ℓ's sign changes are kinks of Φ (:meth:`DeepNetwork.kinked_layers`); a
    ValueError naming the first σ that is not piecewise linear."""
    kinked = net.kinked_layers()
    if kinked is None:
        sigmas = list(net.activations) + [net.output_activation]
        ell, act = next((ell, act) for ell, act in enumerate(sigmas) if act is not None and bends_at_zero(act) is None)
        where = "the output activation" if ell == len(net.activations) else f"the σ of hidden layer {ell + 1}"
        raise ValueError(f"relu_breakpoints needs a piecewise-linear σ in every layer "
                         f"({_piecewise_linear_names()}); {where} is {act.name!r}")
    return kinked


def relu_breakpoints(net: DeepNetwork, lower: float, upper: float) -> np.ndarray:
    """The breakpoints of a 1-D deep network with piecewise-linear σ on [lower, upper], layer by layer.

    Between consecutive points of [lower, upper] ∪ breakpoints every unit's pre-activation is linear. The
    points of layer ℓ + 1 are those of layer ℓ plus, on each piece, the zero of each z_{ℓ+1} that changes
    sign across it (σ bends only at z = 0), so Φ is linear between consecutive returned points and every
    kink of Φ is among them. A point where a unit crosses 0 but Φ does not bend (its units cancel) is
    kept; a unit that only touches 0 at an existing point adds nothing.

    Parameters
    ----------
    net : DeepNetwork
        Input dimension 1, every σ (hidden and output) relu, leaky_relu or identity; any number of outputs.
    lower, upper : float
        The interval, lower < upper.

    Returns
    -------
    ndarray (p,)
        The breakpoints strictly inside (lower, upper), sorted and distinct; the pieces are the intervals
        between consecutive points of [lower, *breakpoints, upper].

    >>> relu_breakpoints(sawtooth(2), 0, 1).tolist()
    [0.25, 0.5, 0.75]
    """
    if not isinstance(net, DeepNetwork):
        raise TypeError(f"net must be a DeepNetwork; got {type(net).__name__}")
    if net.dim != 1:
        raise ValueError(f"relu_breakpoints is for 1-D networks (input dimension 1); net has dim {net.dim}")
    lower, upper = check_real("lower", lower), check_real("upper", upper)
    if not lower < upper:
        raise ValueError(f"lower must be < upper; got lower = {lower}, upper = {upper}")
    return net.breakpoints(lower, upper, layers=_kinked_layers(net))
