"""A network drawn as the lecture draws it: layers as columns of units, weights as edges.

Each column is a layer (the input x, the hidden layers, the output), each circle a unit with its bias
written inside. An edge joins every unit to every unit of the next layer: blue for a positive weight,
vermillion for a negative one, its line width proportional to |w| / max |w| of its layer (so widths
compare within a layer, not across layers). The activation is named under each hidden layer.
A layer wider than :data:`MAX_UNITS` is drawn by its first and last :data:`SHOWN` units with an
ellipsis between them (and only their edges); the column's caption says how many units it has.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from uat.deep import DeepNetwork
from uat.network import ShallowNetwork
from uat.plots._style import OKABE_ITO, style

__all__ = ["MAX_UNITS", "SHOWN", "diagram_layers", "network_diagram"]

#: Layers up to this many units are drawn whole; wider ones by their first and last SHOWN units.
MAX_UNITS = 24
SHOWN = 8
_POSITIVE, _NEGATIVE = OKABE_ITO[0], OKABE_ITO[3]
_DX, _RADIUS, _MAX_LW = 3.0, 0.36, 2.6  # column spacing, unit radius (units one apart), widest edge (points)


def diagram_layers(net) -> dict:
    """The layers of a ShallowNetwork (n → k → m) or DeepNetwork (N_0 → … → N_L) as data.

    Returns a dict with ``weights`` [W_1, …, W_L] (W_ℓ of shape (N_ℓ, N_{ℓ−1})), ``biases`` [b_1, …, b_L]
    (None for a shallow network's absent output bias), ``widths`` (N_0, …, N_L) and ``captions``: the
    activation after each affine map (the hidden layers' σ, then the output's: "linear" for none, "linear,
    no bias" for a shallow network without an output bias d).
    """
    if isinstance(net, ShallowNetwork):
        weights, biases, acts = [net.A, net.C], [net.b, net.d], [net.activation.name]
        out = "linear, no bias" if net.d is None else None  # the theorem's g has no output bias
    elif isinstance(net, DeepNetwork):
        weights, biases = list(net.weights), list(net.biases)
        acts = [act.name for act in net.activations]
        out = None if net.output_activation is None else net.output_activation.name
    else:
        raise TypeError(f"net must be a uat ShallowNetwork or DeepNetwork; got {type(net).__name__}")
    widths = (weights[0].shape[1],) + tuple(W.shape[0] for W in weights)
    return {"weights": weights, "biases": biases, "widths": widths, "captions": acts + [out or "linear"]}


def shown_units(width: int) -> np.ndarray:
    """The indices of a layer of ``width`` units that are drawn: all, or the first and last SHOWN."""
    if width <= MAX_UNITS:
        return np.arange(width)
    return np.concatenate([np.arange(SHOWN), np.arange(width - SHOWN, width)])


def _heights(width: int) -> tuple[np.ndarray, float | None]:
    """y of each shown unit (top to bottom, centred on 0, one apart) and y of the ellipsis (or None)."""
    if width <= MAX_UNITS:
        return (width - 1) / 2 - np.arange(width, dtype=float), None
    slots = (2 * SHOWN) / 2 - np.arange(2 * SHOWN + 1, dtype=float)  # 2·SHOWN units and the ellipsis between
    return np.delete(slots, SHOWN), float(slots[SHOWN])


def _edges(ax, W: np.ndarray, x0: float, y0: np.ndarray, x1: float, y1: np.ndarray, src, dst) -> None:
    """One LineCollection: an edge from every shown unit of a layer to every shown unit of the next."""
    w = W[np.ix_(dst, src)]  # (shown N_ℓ, shown N_{ℓ−1})
    scale = np.max(np.abs(W)) or 1.0  # per layer, over all its weights
    J, I = np.meshgrid(np.arange(len(dst)), np.arange(len(src)), indexing="ij")
    segments = np.stack([np.column_stack([np.full(J.size, x0), y0[I.ravel()]]),
                         np.column_stack([np.full(J.size, x1), y1[J.ravel()]])], axis=1)
    colours = np.where(w.ravel() >= 0, _POSITIVE, _NEGATIVE)
    widths = 0.25 + _MAX_LW * np.abs(w.ravel()) / scale
    ax.add_collection(LineCollection(segments, colors=colours, linewidths=widths, alpha=0.75, zorder=1))


def _bias_text(b: float) -> str:
    return f"{b:.2g}".replace("-", "−")


def _units(ax, x: float, y: np.ndarray, ellipsis, biases, labels) -> None:
    """The circles of one column, each with its bias (or input label) inside, and the ellipsis."""
    for i, yi in enumerate(y):
        face = "0.9" if biases is None else "white"
        ax.add_patch(Circle((x, yi), _RADIUS, facecolor=face, edgecolor="0.25", lw=0.9, zorder=3))
        text = labels[i] if biases is None else ("" if biases[i] is None else _bias_text(biases[i]))
        size = 7.5 if biases is None else 5.5 if len(text) <= 5 else 4.5
        ax.text(x, yi, text, ha="center", va="center", fontsize=size, zorder=4)
    if ellipsis is not None:
        ax.text(x, ellipsis, "⋮", ha="center", va="center", fontsize=13, zorder=4)


def _caption(layer: int, depth: int, width: int, activation: str) -> str:
    """What is written under a column: the layer, its size, and the activation after its affine map."""
    if layer == 0:
        return f"input\nn = {width}"
    if layer == depth:
        return f"output\nm = {width}\n" + (activation if activation.startswith("linear") else f"then {activation}")
    shown = f"\n({2 * SHOWN} of {width} drawn)" if width > MAX_UNITS else ""
    size = "k" if depth == 2 else "N"
    return f"hidden {layer}\n{size} = {width}{shown}\nσ = {activation}"


def _column_biases(data: dict, layer: int, units: np.ndarray):
    """The biases of a column's shown units (None for the input; a list of None for no output bias)."""
    if layer == 0:
        return None
    b = data["biases"][layer - 1]
    return [None] * len(units) if b is None else [float(b[i]) for i in units]


def draw_network_diagram(ax, net):
    """:func:`network_diagram` into ``ax``; returns ``ax``."""
    data = diagram_layers(net)
    widths, depth = data["widths"], len(data["weights"])
    columns = [(shown_units(w), *_heights(w)) for w in widths]
    for layer in range(1, depth + 1):
        (src, y0, _), (dst, y1, _) = columns[layer - 1], columns[layer]
        _edges(ax, data["weights"][layer - 1], _DX * (layer - 1), y0, _DX * layer, y1, src, dst)
    bottom = min(y.min() for _, y, _ in columns) - 0.8
    for layer, (units, y, ellipsis) in enumerate(columns):
        labels = [f"x{_subscript(i + 1)}" for i in units]
        _units(ax, _DX * layer, y, ellipsis, _column_biases(data, layer, units), labels)
    _output_names(ax, _DX * depth, columns[-1], "g" if isinstance(net, ShallowNetwork) else "Φ")
    for layer in range(depth + 1):
        caption = _caption(layer, depth, widths[layer], data["captions"][layer - 1] if layer else "")
        ax.text(_DX * layer, bottom, caption, ha="center", va="top", fontsize="small")
    top = max(y.max() for _, y, _ in columns)
    ax.set_xlim(-1.0, _DX * depth + 1.2)
    ax.set_ylim(bottom - 1.6, top + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    handles = [Line2D([], [], color=_POSITIVE, lw=2, label="weight > 0"),
               Line2D([], [], color=_NEGATIVE, lw=2, label="weight < 0")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=2, fontsize="x-small",
              frameon=False, title="line width ∝ |w|, normalised per layer; the numbers in the units are their biases",
              title_fontsize="x-small")
    ax.set_title(net.describe(), fontsize="medium")
    return ax


def _output_names(ax, x: float, column, name: str) -> None:
    """g₁, g₂, … (Φ₁, … for a deep network; g or Φ alone for m = 1) to the right of the output units."""
    units, y, _ = column
    for i, yi in zip(units, y):
        label = name if len(y) == 1 and column[2] is None else f"{name}{_subscript(i + 1)}"
        ax.text(x + _RADIUS + 0.15, yi, label, ha="left", va="center", fontsize=7.5)


def _subscript(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def network_diagram(net, *, ax=None):
    """The layers of ``net`` (ShallowNetwork n → k → m, or DeepNetwork of any depth) as columns of units.

    Edges are coloured by the weight's sign (blue > 0, vermillion < 0) with line width ∝ |w| normalised
    per layer; biases are written inside the units; the activation is named under each hidden layer.
    A layer wider than :data:`MAX_UNITS` (24) units is drawn by its first and last :data:`SHOWN` (8)
    units with an ellipsis between them, and only their edges; its caption says so.

    Parameters
    ----------
    net : ShallowNetwork or DeepNetwork
    ax : matplotlib Axes, optional
        Draw into it and return it; without one, a new Figure is returned, sized to the network.
    """
    data = diagram_layers(net)  # refuses anything else before a figure is made
    with style():
        if ax is not None:
            return draw_network_diagram(ax, net)
        tallest = max(min(w, 2 * SHOWN + 1) for w in data["widths"])
        fig = Figure(figsize=(1.6 + 1.5 * len(data["widths"]), 1.6 + 0.36 * (tallest + 3)), layout="constrained")
        draw_network_diagram(fig.subplots(), net)
    return fig
