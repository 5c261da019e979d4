"""The figures of a study folder (``uat study plot DIR``): the data gathered from the folder, then drawn.

:func:`study_figures` reads the folder once (:class:`_Study`: its configuration, results, summary,
k*(ε), the layout of lines and panels, the colours), builds each figure that applies from the drawing
helpers of :mod:`uat.plots` (which take axes and know no folders) and writes it. The best-polynomial
errors E_p(f) of the polynomial counterexample are read from the folder, where the run stored them
(:func:`uat.study.runner.polynomial_floors`); a folder written before uat stored them gets them computed
here, as then.

In a study with depth (cells of more than one hidden layer, :func:`uat.study.analysis.has_depth`), every chart
names a method with its depth ("backprop, 2 hidden layers"), so that each depth is a line or panel of its own,
and the figure ``error-vs-parameters`` puts the depths on one axis; a study without depth draws what it drew
before depth existed. Likewise in a study with a domain axis (:func:`uat.study.analysis.has_domains`) every chart
names a target with its domain ("sin(pi*x1) on ball(center=[0,0], radius=1)"), a panel of its own.
"""

from __future__ import annotations

import hashlib
import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from uat.network import ShallowNetwork
from uat.plots._style import line_colours
from uat.plots.study import (BAR_LIMIT, LINESTYLES, draw_best_polynomial_note, draw_depth_separation,
                             draw_error_vs_parameters, draw_error_vs_width, draw_k_star, panel_grid)
from uat.study.analysis import curve_label, has_depth, has_domains, hidden_layers, labelled

__all__ = ["StudyFigure", "study_figures", "error_vs_width_figure", "slug", "SLUG_MAX"]


@dataclass(frozen=True)
class StudyFigure:
    """One figure written by :func:`study_figures`: its stable name, a caption, the files written."""

    name: str
    title: str
    caption: str
    paths: tuple[str, ...]


#: Longest slug kept as it is; a longer one is cut there and told apart by a hash of the whole name
#: (a 1,600-character expression made file names past the usual 255-byte limit).
SLUG_MAX = 60


def slug(text: str) -> str:
    """A file-name-safe rendering of a target or activation name ('sin(2*pi*x)' → 'sin-2-pi-x'): at most
    ``SLUG_MAX`` characters as they are, else the first ``SLUG_MAX`` and 8 hex digits of the name's SHA-1."""
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", str(text)).strip("-.") or "target"
    if len(slug) <= SLUG_MAX:
        return slug
    return f"{slug[:SLUG_MAX]}-{hashlib.sha1(str(text).encode()).hexdigest()[:8]}"


def _layout(summary) -> tuple[str, list[str]]:
    """Which column gets one line per value, and which columns get one panel per combination.

    Lines are activations, panels (target, method). A study of one activation and several methods
    draws one line per method instead, in one panel per target; so does a study whose every method
    is crossed with one activation of its own (peers: random_fourier on cos, the others on tanh)."""
    methods = summary["method"].nunique()
    if methods > 1 and (summary.groupby("method")["activation"].nunique() == 1).all():
        return "method", ["target"] if summary["activation"].nunique() > 1 else ["target", "activation"]
    pairs = summary.groupby("method", sort=False)["activation"].agg(frozenset)
    if methods > 1 and pairs.nunique() > 1:  # methods crossed with activations of their own: one line per pair
        return "line", ["target"]
    return "activation", ["target", "method"]


def _word(by: str) -> str:
    return "method and activation (dashed: a method's a-priori bound)" if by == "line" else by


def _line_labels(frame, curve: str | None = None) -> list[str]:
    """One legend label per row's (method, activation, curve): "lstsq (tanh)"; the polynomial baselines, which
    use no σ, by method alone; an a-priori bound as "relu_interp (relu): a-priori bound" (see
    :func:`uat.study.analysis.curve_label`). ``curve`` overrides the rows' own (``measured`` where there is none)."""
    curves = [curve] * len(frame) if curve else frame["curve"] if "curve" in frame else ["measured"] * len(frame)
    return [curve_label(m, c, a) for m, a, c in zip(frame["method"], frame["activation"], curves)]


def _with_depth(frame, labels=None) -> list[str]:
    """Per row of ``frame``, ``labels`` (default its methods) followed by the row's depth: "backprop, 2 hidden
    layers"."""
    labels = list(frame["method"]) if labels is None else labels
    return [f"{label}, {hidden_layers(d)}" for label, d in zip(labels, frame["depth"])]


def _on_domains(frame) -> list[str]:
    """Per row of ``frame``, its target on its domain: "sin(pi*x1) on [-1,1] x [-1,1]"."""
    return [f"{target} on {domain}" for target, domain in zip(frame["target"], frame["domain"])]


def _select(frame, key: dict):
    mask = np.ones(len(frame), dtype=bool)
    for column, value in key.items():
        mask &= (frame[column] == value).to_numpy()
    return frame[mask]


def _panel_title(key: dict, panels: list[str], varying: set) -> str:
    if len(panels) == 1:
        return str(key[panels[0]])
    first, second = (key[c] for c in panels)
    return f"{first} ({second})" if panels[1] in varying or panels[1] == "method" else str(first)


def _colours(summary, by: str, measured: list[str] | None) -> dict:
    """Line → colour, in the order of the lines; with one line per (method, σ), a method's a-priori bound is
    drawn in the colour of its measured line (``measured``: each row's label as a measured line, given when
    ``by`` is ``"line"``)."""
    bound = (summary["curve"] == "a_priori").to_numpy() if by == "line" else np.zeros(len(summary), bool)
    colours = line_colours(summary.loc[~bound, by].unique())
    own = measured if by == "line" else list(summary[by])
    for name, base in zip(summary[by], own):
        colours.setdefault(name, colours.get(base, "0.3"))
    return colours


class _Study:
    """What the study figures need from a study folder, read once."""

    def __init__(self, folder):
        from uat.study.analysis import k_star, summarize
        from uat.study.config import StudyConfig
        from uat.study.store import StudyStore, load_results

        self.folder = Path(folder)
        self.config = StudyConfig.from_resolved(json.loads(StudyStore(folder).meta()["config"]))
        self.results = load_results(folder)  # the methods as the registry names them
        self.deep = has_depth(self.results)
        summary = summarize(self.results)
        if summary["sup_median"].notna().sum() == 0:
            raise ValueError(f"the study in {folder} has no successful cells yet: nothing to plot")
        stars = k_star(summary, self.config.tolerances)
        self.raw_summary = summary
        # each curve named as tables name it ("relu_interp (a-priori bound)"): a bound is a line, or panel, of its own
        self.summary, self.stars = labelled(summary, keep_curve=True), labelled(stars, keep_curve=True)
        # the rows as the charts name them: with depth, "backprop, 2 hidden layers" is a method of its own
        self.frame = self.results.assign(method=_with_depth(self.results)) if self.deep else self.results
        if self.deep:
            self.summary["method"], self.stars["method"] = _with_depth(self.summary), _with_depth(self.stars)
        # with a domain axis, each (target, domain) is a target of its own to the charts: "f on K"
        self.sources = {name: (name, self.config.domain_for(name)) for name in self.results["target"].unique()}
        self.on_domains = has_domains(self.results)
        if self.on_domains:
            self.sources = dict(zip(_on_domains(self.results), zip(self.results["target"], self.results["domain"])))
            if not self.deep:
                self.frame = self.results.copy()
            for frame in (self.frame, self.summary, self.stars, self.raw_summary):
                frame["target"] = _on_domains(frame)
        self.by, self.panels = _layout(self.summary)
        measured = None
        if self.by == "line":  # legend labels, from the plain method names and the curves
            self.summary["line"], self.stars["line"] = self.lines(summary), self.lines(stars)
            self.frame["line"] = self.lines(self.results)
            measured = self.lines(summary, "measured")
        self.colours = _colours(self.summary, self.by, measured)
        self.keys = self._panel_keys()
        # lines of methods that each run one activation of their own say which: "random_fourier (cos)"
        pairs = self.summary.groupby("method", sort=False)["activation"].unique()
        own = self.by == "method" and self.panels == ["target"]
        self.labels = {m: f"{m} ({a[0]})" for m, a in pairs.items()} if own else {}
        self.varying = {c for c in ("target", "activation", "method") if self.summary[c].nunique() > 1}
        self.replicates = int(self.frame["replicate"].max()) + 1
        self._targets = {}

    def lines(self, frame, curve: str | None = None) -> list[str]:
        """The legend label of each row's line (:func:`_line_labels`), with its depth in a study with depth."""
        labels = _line_labels(frame, curve)
        return _with_depth(frame, labels) if self.deep else labels

    def _panel_keys(self) -> list[dict]:
        panels = self.panels if len(self.panels) > 1 else self.panels[0]
        groups = self.summary.groupby(panels, sort=False).groups  # keys: tuples, or scalars for one column
        return [dict(zip(self.panels, k if isinstance(k, tuple) else (k,))) for k in groups]

    def title(self, key: dict) -> str:
        """A panel's title; "f on K" titles wrapped to lines of at most 50 characters (a domain can be long)."""
        title = _panel_title(key, self.panels, self.varying)
        return "\n".join(textwrap.wrap(title, 50)) if self.on_domains else title

    def target(self, name: str):
        """The Target of a chart's target (a target name, or "f on K" in a study with a domain axis)."""
        from uat.targets import as_target

        if name not in self._targets:
            target, domain = self.sources[name]
            self._targets[name] = as_target(target, self.config.parse_domain(domain))
        return self._targets[name]

    def ok(self):
        return self.frame[self.frame["status"] == "ok"]


def _sup_method_note(frame) -> str:
    from uat.study.describe import sup_method_summary

    return sup_method_summary(frame[frame["status"] == "ok"])


def _legend_title(study: _Study) -> str:
    return "method (σ)" if study.by == "line" else study.by


def _errors_figure(study: _Study):
    def draw(ax, key):
        draw_error_vs_width(ax, _select(study.summary, key), study.colours, study.title(key), by=study.by,
                            labels=study.labels)

    fig = panel_grid(study.keys, draw, "Sup-norm error against width", _legend_title(study))
    pairs = study.summary.groupby("method", sort=False)["activation"].unique()
    own = ("; each method with its activation: " + ", ".join(f"{m} ({', '.join(a)})" for m, a in pairs.items())
           if study.panels == ["target"] else "")
    caption = (f"Median sup-norm error over {study.replicates} replicate(s) against width k, one line per {_word(study.by)}{own}, "
               "interquartile band shaded, float64 rounding floor of each line dotted; grey dashed: reference "
               "slopes k^-1/2, k^-1, k^-2. Bars: the median certified upper bound of the sup (branch and bound), "
               f"drawn where it is within {BAR_LIMIT:g}× of the median error{_certified_note(study)}. × on the bottom edge: failed cells. Sup norms estimated by "
               f"{_sup_method_note(study.frame)}.")
    return fig, caption


def _certified_note(study: _Study) -> str:
    ok = study.frame[study.frame["status"] == "ok"]
    upper = pd.to_numeric(ok["sup_upper"], errors="coerce")
    if upper.notna().sum() == 0:
        return " (no cell of this study could be certified: the facts for it are missing)"
    within = int((upper <= BAR_LIMIT * ok["sup_error"]).sum())
    from uat.study.describe import certify_summary

    return (f" ({upper.notna().sum()} of {len(ok)} cells bracketed, {within} within {BAR_LIMIT:g}×; "
            f"{certify_summary(study.config.resolved())})")


def _k_star_figure(study: _Study):
    def draw(ax, key):
        draw_k_star(ax, _select(study.stars, key), study.colours, study.title(key), by=study.by,
                    widths=study.config.widths, n_failed=int(_select(study.summary, key)["n_failed"].sum()),
                    labels=study.labels)

    fig = panel_grid(study.keys, draw, "k*(ε): the smallest width whose median sup error is ≤ ε", _legend_title(study))
    caption = (f"k*(ε) against the tolerance ε, one line per {_word(study.by)}; open triangles above the dashed line: "
               "tolerances that no swept width reaches (up to the largest width swept). Lines of equal k* are "
               "offset slightly so that none hides another.")
    return fig, caption


def _parameter_lines(study: _Study):
    """The measured curves of a study with depth, one line per (method, σ, depth) labelled "backprop (relu), 2
    hidden layers", and each line's colour (its depth's) and style (its (method, σ)'s)."""
    summary = study.raw_summary[study.raw_summary["curve"] == "measured"]
    pairs = [curve_label(m, "measured", a) for m, a in zip(summary["method"], summary["activation"])]
    summary = summary.assign(line=_with_depth(summary, pairs), pair=pairs)
    depth_colours = line_colours(sorted(summary["depth"].unique()))
    pair_styles = {pair: LINESTYLES[i % len(LINESTYLES)] for i, pair in enumerate(dict.fromkeys(pairs))}
    colours = dict(zip(summary["line"], (depth_colours[d] for d in summary["depth"])))
    styles = dict(zip(summary["line"], (pair_styles[p] for p in summary["pair"])))
    return summary, colours, styles


def _parameters_figure(study: _Study):
    """Sup error against parameter count per target: the depths on one axis (a study with depth only)."""
    summary, colours, styles = _parameter_lines(study)
    targets = list(dict.fromkeys(summary["target"]))
    separations = {name: study.target(name).depth_separation for name in targets}

    constructions = {name: _sawtooth_point(study.target(name), s) for name, s in separations.items() if s is not None}

    def draw(ax, key):
        draw_error_vs_parameters(ax, _select(summary, key), colours, styles, key["target"])
        if separations[key["target"]] is not None:
            draw_depth_separation(ax, separations[key["target"]], constructions[key["target"]])

    fig = panel_grid([{"target": t} for t in targets], draw, "Sup-norm error against parameter count, by depth",
                     "method (σ), depth")
    facts = [f"{name}: any one-hidden-layer ReLU network with k ≤ 2^{s}−2 = {2 ** s - 2} units has sup error ≥ ½ "
             f"(Telgarsky: it must cross ½ at least 2^{s} times and has at most k + 1 linear pieces)"
             for name, s in separations.items() if s is not None]
    caption = (f"Median sup-norm error over {study.replicates} replicate(s) against the fitted model's parameter "
               "count (every weight and bias), one line per method, σ and depth (colour: the depth, in hidden "
               "layers of `width` units; line style: the method and σ), interquartile band shaded. At equal "
               "parameters a lower line is the better architecture. "
               + ("Black line at ½: " + "; ".join(facts) + "; below it, shaded, is what no such network reaches. "
                  "Black star: the deep ReLU network uat.sawtooth(s), which computes g_s exactly with s hidden layers "
                  "of 3 units (12s − 2 parameters), its sup error measured as the cells' are. " if facts else "")
               + f"Sup norms estimated by {_sup_method_note(study.frame)}.")
    return fig, caption


def _sawtooth_point(target, s: int) -> tuple[int, float]:
    """(parameters, measured sup error) of :func:`uat.sawtooth` (s) against ``target`` (g_s): a few hundredths of a
    second, so measured here rather than stored by the run."""
    from uat.constructions import sawtooth
    from uat.supnorm import sup_error

    network = sawtooth(s)
    return network.n_params, float(sup_error(target, network, target.domain, certify=False).value)


def _polynomial_floors(study: _Study, degrees) -> tuple[dict, list[str]]:
    """(target, p) → the row of E_p(f) (value, lower) for each target and degree, and the notes on the targets
    best_polynomial refused: read from the folder, computed where the run stored none (an older folder)."""
    from uat.study.runner import floors_with
    from uat.study.store import load_polynomial_floors

    stored = load_polynomial_floors(study.folder)
    floors, notes = {}, []
    for name in study.summary["target"].unique():
        rows, _ = floors_with(stored, *study.sources[name], degrees, study.config.folder)
        for row in rows:
            if row["error"] is not None:  # e.g. a vector-valued or 3-D target
                notes.append(f"{name}: {row['error']}")
                break
            floors[name, row["degree"]] = row
    return floors, notes


def _polynomial_figure(study: _Study):
    """Polynomial activations flattening at the best-polynomial error E_p(f), beside the others."""
    from uat.activations import get_activation

    degrees = {a: get_activation(a).degree for a in study.summary["activation"].unique()
               if get_activation(a).polynomial}
    if not degrees or study.by != "activation" or len(degrees) == study.summary["activation"].nunique():
        return None
    floors, notes = _polynomial_floors(study, degrees.values())

    def draw(ax, key):
        lines = {a: floors[key["target"], p]["value"] for a, p in degrees.items() if (key["target"], p) in floors}
        draw_error_vs_width(ax, _select(study.summary, key), study.colours, study.title(key), by="activation",
                            slopes=(), floor=False, floors=lines)
        draw_best_polynomial_note(ax, lines, degrees)

    fig = panel_grid(study.keys, draw, "The polynomial counterexample: σ a polynomial of degree p flattens at "
                     "E$_p$(f)", "activation", columns=2 if len(study.keys) == 4 else 3)
    brackets = "; ".join(f"E_{p}({t}) in [{b['lower']:.4g}, {b['value']:.4g}]" for (t, p), b in floors.items())
    caption = ("With σ(z) = z^p every network is a polynomial of degree ≤ p however wide, so its sup error "
               "cannot fall below E_p(f), the error of the best uniform polynomial approximation of degree p "
               "(pale band in the activation's colour), while non-polynomial activations keep falling. "
               f"E_p computed by linear programming with exchange, bracketed as [LP value on the final point "
               f"set, estimated sup error of its polynomial]: {brackets or 'none'}."
               + (" Not drawn: " + "; ".join(notes) + "." if notes else ""))
    return fig, caption
def _median_row(rows):
    """The replicate whose sup error is the median of its width (the upper of the two middle ones for an
    even count, so with two replicates the worse): a typical fit, never the luckiest."""
    rows = rows.sort_values(["sup_error", "replicate"])
    return rows.iloc[len(rows) // 2]


def _closeup_figures(study: _Study):
    """Per panel key, the line with the smallest median sup error at its widest width: its median replicate."""
    from uat.plots.fits import fit_closeup
    from uat.study.store import load_networks
    from uat.supnorm import SupEstimate

    ok = study.ok()
    chosen = []
    for key in study.keys:
        rows = _select(ok, key)
        if rows.empty or study.target(key["target"]).dim > 2:
            continue
        widest = rows[rows["width"] == rows["width"].max()]
        best = widest.groupby(study.by)["sup_error"].median().idxmin()
        chosen.append(_median_row(widest[widest[study.by] == best]))
    networks = load_networks(study.folder, [row["cell_id"] for row in chosen])
    for row in chosen:
        network = networks[row["cell_id"]]
        if network is None:
            continue
        estimate = SupEstimate(value=float(row["sup_error"]), argmax=np.asarray(row["sup_argmax"], float),
                               lower=float(row["sup_error"]), upper=None, n_evals=int(row["sup_n_evals"]),
                               method=str(row["sup_method"]), initial=float(row["sup_initial"]),
                               floor=float(row["rounding_floor"]))
        target = study.target(row["target"])
        title = f"{row['target']}: {row['activation']}, width {row['width']}, {row['method']}, replicate {row['replicate']}"
        fig = fit_closeup(target, network, estimate, title=title)
        name = f"fit-{slug(row['target'])}-{slug(row['activation'])}-{slug(row['method'])}-k{row['width']}"
        which = "the only replicate" if study.replicates == 1 else (
            f"the median of its {study.replicates} replicates" if study.replicates % 2 else
            f"the upper median of its {study.replicates} replicates")
        caption = (f"A fit up close: {title} ({which}; the best {study.by} at the widest width). The network drawn is the one the study stored and measured; the marked "
                   f"sup point is the stored estimate ({row['sup_method']}).")
        yield name, fig, caption


def _unit_figures(study: _Study):
    """1-D targets: where the hidden units' transitions −b/a sit, per (activation, method), replicate 0.

    Random-feature methods draw A and b without looking at the target, so when every method of the
    study is one of them, one figure (the first 1-D target) shows the draw scheme for all."""
    from uat.fitting.base import get_method
    from uat.plots.units import unit_positions
    from uat.study.store import load_networks

    ok = study.ok()
    ok = ok[ok["depth"] == 1]  # a deep network's units have no one transition point on the input axis
    trained = any(not get_method(m).draws_hidden for m in study.results["method"].unique())
    shown = 0
    for name in study.summary["target"].unique():
        if shown and not trained:
            break
        target = study.target(name)
        rows = ok[(ok["target"] == name) & (ok["replicate"] == 0)]
        if target.dim != 1 or rows.empty:
            continue
        widths = sorted(rows["width"].unique())
        width = max([w for w in widths if w <= 64] or widths[:1])
        rows = rows[rows["width"] == width]
        networks = load_networks(study.folder, rows["cell_id"])
        series = {f"{r['activation']}, {r['method']}": networks[r["cell_id"]] for _, r in rows.iterrows()
                  if isinstance(networks[r["cell_id"]], ShallowNetwork)}  # polynomials have no units
        if not series:
            continue
        fig = unit_positions(target, series, title=f"Where the {width} units sit: {name}")
        caption = (f"The transition points −b/a of the {width} hidden units (replicate 0) against their steepness |a|, "
                   f"over K, for {name}; units whose transition lies outside K are drawn at the edge.")
        shown += 1
        yield f"units-{slug(name)}-k{width}", fig, caption


def _training_figures(study: _Study):
    """Cells with a training history: per target, one line per (activation, method) at the widest width."""
    from types import SimpleNamespace

    from uat.plots.training import training_curves
    from uat.study.store import load_histories

    ok = study.ok()
    for name in study.summary["target"].unique():
        rows = ok[(ok["target"] == name) & (ok["replicate"] == 0)]
        if rows.empty:
            continue
        histories = load_histories(study.folder, rows["cell_id"])
        rows = rows[[histories[c] is not None for c in rows["cell_id"]]]
        if rows.empty:
            continue
        rows = rows[rows["width"] == rows["width"].max()]
        results = {f"{r['activation']}, {r['method']}": SimpleNamespace(history=histories[r["cell_id"]],
                                                                     train_rms=r["train_rms"], method=r["method"])
                   for _, r in rows.iterrows()}
        width = int(rows["width"].iloc[0])
        fig = training_curves(results, title=f"Training curves: {name}, width {width}, replicate 0")
        sups = "; ".join(f"{label}: {r['sup_error']:.3g}" for label, (_, r) in zip(results, rows.iterrows()))
        caption = (f"Training RMS error against update and against time for {name} at width {width} (replicate 0); "
                   "open markers: sup-norm checkpoints where recorded; star: the training RMS of the network "
                   f"returned. The sup error of the returned network, for comparison: {sups}.")
        yield f"training-{slug(name)}-k{width}", fig, caption



def _figures(study: _Study):
    """(name, figure, caption, title or None) of every figure that applies, drawn one at a time."""
    from uat.plots.gallery import activation_gallery

    yield "error-vs-width", *_errors_figure(study), None
    yield "k-star", *_k_star_figure(study), None
    if study.deep:
        yield "error-vs-parameters", *_parameters_figure(study), None
    polynomial = _polynomial_figure(study)
    if polynomial is not None:
        yield "polynomial-counterexample", *polynomial, None
    for generator in (_closeup_figures, _unit_figures, _training_figures):
        for name, fig, caption in generator(study):
            yield name, fig, caption, None
    activations = list(study.summary["activation"].unique())
    yield "activations", activation_gallery(activations), "σ (solid) and σ′ (dashed) of the study's activations.", \
        "Activations"


def error_vs_width_figure(folder):
    """(figure, caption): the ``error-vs-width`` figure of the study in ``folder`` as :func:`study_figures` draws
    it, not written anywhere (for :class:`uat.study.StudyResults`' display). ValueError when no cell succeeded."""
    from uat.plots._style import style

    with style():
        return _errors_figure(_Study(folder))


def study_figures(folder, formats=("png",), out=None) -> list[StudyFigure]:
    """Write every figure that applies to the study in ``folder`` into ``out`` (default
    ``folder/figures``), each in every format asked for; return what was written.

    Always: ``error-vs-width`` and ``k-star``. Where they apply: ``error-vs-parameters`` (a study with depth:
    sup error against parameter count, one line per method, σ and depth), ``polynomial-counterexample``
    (polynomial and other activations side by side, with the best-polynomial floors E_p),
    ``fit-<target>-<activation>-<method>-k<width>`` (1-D and 2-D targets), ``units-<target>-k<width>``
    (1-D targets), ``training-<target>-k<width>`` (cells with a training history) and
    ``activations`` (σ and σ′ of the study's activations). Names are stable: running again
    overwrites the same files.
    """
    from uat.plots._style import parse_formats, save, style

    formats = parse_formats(formats)
    out = Path(out) if out is not None else Path(folder) / "figures"
    written, used = [], set()
    with style():
        study = _Study(folder)
        out.mkdir(parents=True, exist_ok=True)
        for name, fig, caption, title in _figures(study):
            title = title or fig.get_suptitle() or name
            if name in used:  # two targets whose names slug alike ('x**2', 'x*2'): tell them apart
                name = f"{name}-{hashlib.sha1(title.encode()).hexdigest()[:6]}"
            used.add(name)
            written.append(StudyFigure(name, title, caption, tuple(save(fig, out / name, formats))))
    return written
