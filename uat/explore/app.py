"""The explorer's web layer: a Bokeh document per browser tab, over the plain functions of
:mod:`uat.explore.logic`, and the server that ``uat explore`` starts.

Everything runs on this machine: Bokeh's server serves BokehJS from its own wheel, and the page asks for
nothing else (the browser tests assert it). Fits and sup-norm estimates run on one worker thread shared by
every tab (so BLAS pools stay pinned and the page's widgets stay live while it works); each result is
drawn only if it still answers the latest request. "Cancel", a new setting or a closed tab stop a training
fit at its next update (:func:`uat.fitting.backprop.watch_updates`), cancel queued work and discard the rest
in flight. The error-against-width curve is computed one width per task, so a new setting waits for at
most one curve point.
"""

from __future__ import annotations

import contextlib
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial

import numpy as np

from uat._html import escape as _html
from uat.exceptions import FitCancelled
from uat.exceptions import user_message as message
from uat.explore import logic
from uat.explore.logic import Edit, State

__all__ = ["make_document", "serve", "free_port", "EXPORTS"]

#: The worker every tab shares.
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="uat-explore")

#: /export/<name>?<state>: what each download is and how it is made.
EXPORTS = {
    "network.npz": ("application/octet-stream", logic.network_npz),
    "figure.png": ("image/png", lambda view: logic.figure_bytes(view, "png")),
    "figure.svg": ("image/svg+xml", lambda view: logic.figure_bytes(view, "svg")),
    "study.toml": ("text/plain; charset=utf-8", None),
}

#: Milliseconds between an answer and the first point of its error-against-width curve.
_CURVE_DELAY_MS = 300

_BLUE, _ORANGE, _GREEN, _VERMILION, _SKY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9"


class Explorer:
    """One tab: its widgets, plots, and the requests it has in flight."""

    def __init__(self, doc, query=None):
        self.doc = doc
        self.generation = 0  # of the latest main request; older results are dropped
        self.curve_generation = 0
        self.curve_for = None  # the curve_key of the curve shown
        self.view = None
        self.syncing = False  # widgets being set from a view: their callbacks do nothing
        self.closed = False  # the tab went away: drop every answer
        self.pending = set()  # futures of this tab, cancelled (if not started) when it closes
        self.sticky = None  # a message the first answer must not clear (a refused address)
        self.curve_todo, self.curve_done = [], {}  # widths of the curve to compute, and k → point computed
        error = None
        try:
            self.state = State.from_query(query or {})
        except (ValueError, TypeError) as err:
            self.state, error = State(), message(err)
        self._widgets()
        self._plots()
        self._layout()
        self._set_widgets(self.state)
        if error:
            self.sticky = f"the address's settings were refused, so the defaults are shown: {error}"
            self._show_error(self.sticky)
        doc.on_session_destroyed(self._closed)
        self.request(self.state)

    def _closed(self, session_context) -> None:
        self.closed = True
        self.generation += 1
        self.curve_generation += 1
        for future in list(self.pending):
            future.cancel()

    def _submit(self, fn, *args, then) -> None:
        """Run ``fn(*args)`` on the worker; ``then(future)`` runs on the document's thread, unless the tab closed."""
        future = _WORKER.submit(fn, *args)
        self.pending.add(future)

        def done(f):
            self.pending.discard(f)
            if self.closed or f.cancelled():
                return
            try:
                self.doc.add_next_tick_callback(partial(then, f))
            except Exception:  # noqa: BLE001 - the session went away between the check and the call
                self.closed = True

        future.add_done_callback(done)

    # --- building the page ------------------------------------------------------------------------------------
    def _widgets(self):
        from bokeh.models import Button, Div, NumericInput, Select, Slider, Spinner, TextInput

        from uat.activations import list_activations

        s = self.state
        self.target = TextInput(title="target f (library name or expression in x)", value=s.target, width=300,
                                name="target", css_classes=["uat-target"])
        self.domain = TextInput(title="domain K (empty: a library target's own)", value=s.domain, width=300,
                                placeholder="[-1,1]  or  [0,1]^2  or  ball(center=[0,0], radius=1)", name="domain",
                                css_classes=["uat-domain"])
        self.sigma = Select(title="σ", value=s.sigma, options=list_activations(), width=145, css_classes=["uat-sigma"])
        self.method = Select(title="method", value=s.method, options=logic.explore_methods(), width=145,
                             css_classes=["uat-method"])
        self.k_slider = Slider(title="width k", start=1, end=logic.MAX_WIDTH, step=1, value=s.k, width=300,
                               css_classes=["uat-k-slider"])
        self.k_input = Spinner(title="k", low=1, high=logic.MAX_WIDTH, step=1, value=s.k, width=95,
                               css_classes=["uat-k"])
        self.depth = Spinner(title="hidden layers", low=1, high=logic.MAX_DEPTH, step=1, value=s.depth, width=95,
                             css_classes=["uat-depth"])
        self.seed = Spinner(title="seed", low=0, step=1, value=s.seed, width=95, css_classes=["uat-seed"])
        self.eps = NumericInput(title="ε", value=s.eps, mode="float", width=95, css_classes=["uat-eps"])
        self.status = Div(text="", width=300, css_classes=["uat-status"])
        self.error = Div(text="", width=300, css_classes=["uat-error"], visible=False,
                         styles={"color": _VERMILION})
        self.sup = Div(text="", width=640, css_classes=["uat-sup"])
        self.curve_status = Div(text="", width=640, css_classes=["uat-curve-status"])
        self.plateau_text = Div(text="", width=640, css_classes=["uat-plateau"], styles={"color": _VERMILION})
        self.notes = Div(text="", width=640, css_classes=["uat-notes"], styles={"color": "#555", "font-size": "12px"})
        self.cancel = Button(label="Cancel", button_type="warning", width=95, disabled=True, css_classes=["uat-cancel"])
        self._edit_widgets()
        self._share_widgets()
        self._wire()

    def _edit_widgets(self):
        from bokeh.models import Button, Select, Slider

        self.unit = Select(title="unit (by hand)", value="0", options=["0"], width=95, css_classes=["uat-unit"])
        self.edit_a = Slider(title="a (weight)", start=-1, end=1, step=0.01, value=0, width=300,
                             css_classes=["uat-edit-a"])
        self.edit_b = Slider(title="b (bias)", start=-1, end=1, step=0.01, value=0, width=300,
                             css_classes=["uat-edit-b"])
        self.edit_c = Slider(title="c (output weight)", start=-1, end=1, step=0.01, value=0, width=300,
                             css_classes=["uat-edit-c"])
        self.refit = Button(label="Refit C", width=95, css_classes=["uat-refit"])
        self.reset = Button(label="Undo edits", width=95, css_classes=["uat-reset"])

    def _share_widgets(self):
        """The state in the address bar (a hidden Div whose text JavaScript copies there) and the downloads of it."""
        from bokeh.models import Button, CustomJS, Div

        s = self.state
        self.url = Div(text=s.to_query(), visible=False, css_classes=["uat-url"])
        to_address = CustomJS(args={"url": self.url}, code="window.history.replaceState(null, '', "
                              "window.location.pathname + (url.text ? '?' + url.text : ''))")
        self.url.js_on_change("text", to_address)
        self.doc.js_on_event("document_ready", to_address)  # a refused address is replaced by the state shown
        self.downloads = []
        for label, name in (("network .npz", "network.npz"), ("figure PNG", "figure.png"),
                            ("figure SVG", "figure.svg"), ("open as a study", "study.toml")):
            button = Button(label=label, width=140, css_classes=["uat-export-" + name.replace(".", "-")])
            button.js_on_click(CustomJS(args={"url": self.url, "name": name}, code="""
                const a = document.createElement('a');
                a.href = 'export/' + name + (url.text ? '?' + url.text : '');
                a.download = name;
                document.body.appendChild(a); a.click(); a.remove();"""))
            self.downloads.append(button)

    def _wire(self):
        for widget in (self.target, self.domain):
            widget.on_change("value", self._changed)
        for widget in (self.sigma, self.method, self.depth, self.seed, self.eps, self.k_input):
            widget.on_change("value", self._changed)
        self.k_slider.on_change("value_throttled", self._slid)
        self.unit.on_change("value", self._unit_chosen)
        for widget in (self.edit_a, self.edit_b, self.edit_c):
            widget.on_change("value_throttled", self._edited)
        self.refit.on_click(self._refit)
        self.reset.on_click(self._reset)
        self.cancel.on_click(self._cancel)

    def _plots(self):
        from bokeh.models import ColumnDataSource, Label, Span
        from bokeh.plotting import figure

        tools = "pan,wheel_zoom,box_zoom,reset,save"
        self.line = ColumnDataSource({"x": [], "f": [], "g": [], "lo": [], "hi": [], "e": []})
        self.supsrc = ColumnDataSource({"x": [], "y": [], "e": []})
        self.unitsrc = ColumnDataSource({"x": [], "size": [], "unit": []})
        self.curvesrc = ColumnDataSource({"k": [], "value": []})
        self.image = ColumnDataSource({"f": [], "g": [], "e": [], "out": [], "x": [], "y": [], "dw": [], "dh": []})

        self.fit1 = figure(title="f and g, with the ε-tube f ± ε", width=740, height=300, tools=tools,
                           css_classes=["uat-plot-fit"])
        tube = self.fit1.varea("x", "lo", "hi", source=self.line, fill_color=_SKY, fill_alpha=0.25,
                               legend_label="f ± ε")
        f = self.fit1.line("x", "f", source=self.line, color="black", line_width=2, legend_label="f")
        g = self.fit1.line("x", "g", source=self.line, color=_BLUE, line_width=2, legend_label="g")
        self.fit1.y_range.renderers = [tube, f, g]  # a chosen unit's term c·σ(ax + b) may be far larger: clipped
        self.fit1.scatter("x", "y", source=self.supsrc, size=9, color=_VERMILION, legend_label="sup point")
        self.unit_marks = self.fit1.scatter("x", 0, source=self.unitsrc, marker="triangle", size="size",
                                            color=_ORANGE, alpha=0.8, legend_label="units (−b/a)")
        # the unit chosen for editing by hand: its own term c·σ(ax + b) of g, and its transition
        self.chosen = ColumnDataSource({"x": [], "y": []})
        self.chosen_mark = ColumnDataSource({"x": [], "y": []})
        self.fit1.line("x", "y", source=self.chosen, color=_GREEN, line_width=2, line_dash="dashed",
                       legend_label="chosen unit c·σ(ax+b)")
        self.fit1.scatter("x", "y", source=self.chosen_mark, marker="inverted_triangle", size=14, color=_GREEN,
                          legend_label="chosen unit")
        legend = self.fit1.legend[0]
        legend.click_policy, legend.label_text_font_size = "hide", "10px"
        self.fit1.add_layout(legend, "right")

        self.err1 = figure(title="|f − g| (log scale)", width=640, height=230, y_axis_type="log", tools=tools,
                           x_range=self.fit1.x_range, css_classes=["uat-plot-error"])
        self.err1.line("x", "e", source=self.line, color=_BLUE, line_width=1.5)
        self.err1.scatter("x", "e", source=self.supsrc, size=9, color=_VERMILION)
        self.eps_line = Span(location=0.05, dimension="width", line_color=_SKY, line_dash="dashed", line_width=2)
        self.err1.add_layout(self.eps_line)
        self.err_label = Label(x=8, y=8, x_units="screen", y_units="screen", text="", text_font_size="11px",
                               background_fill_color="white", background_fill_alpha=0.8)
        self.err1.add_layout(self.err_label)

        self._plots_2d(tools)
        self._curve_plot(tools)

    def _plots_2d(self, tools):
        from bokeh.models import ColorBar, ColumnDataSource, LinearColorMapper, LogColorMapper, Range1d
        from bokeh.palettes import Viridis256
        from bokeh.plotting import figure

        self.fit2 = figure(title="g on K, and where the units sit (a·x + b = 0)", width=340, height=330, tools=tools,
                           x_range=Range1d(-1, 1), y_range=Range1d(-1, 1), css_classes=["uat-plot-fit2"],
                           visible=False)
        self.gmap = LinearColorMapper(palette=Viridis256, nan_color=(0, 0, 0, 0))  # f and g share it
        self.fit2.image(image="g", x="x", y="y", dw="dw", dh="dh", source=self.image, color_mapper=self.gmap)
        self.lines2 = ColumnDataSource({"xs": [], "ys": []})
        self.fit2.multi_line("xs", "ys", source=self.lines2, color="white", alpha=0.45, line_width=1)
        self.f2 = figure(title="f on K (the same colours)", width=340, height=330, tools=tools,
                         x_range=self.fit2.x_range, y_range=self.fit2.y_range, css_classes=["uat-plot-f2"],
                         visible=False)
        self.f2.image(image="f", x="x", y="y", dw="dw", dh="dh", source=self.image, color_mapper=self.gmap)
        self.f2.add_layout(ColorBar(color_mapper=self.gmap, width=10), "right")
        self.err2 = figure(title="|f − g| (log colour); red: outside the ε-tube", width=340, height=330, tools=tools,
                           x_range=self.fit2.x_range, y_range=self.fit2.y_range, css_classes=["uat-plot-error2"],
                           visible=False)
        self.emap = LogColorMapper(palette=Viridis256, nan_color=(0, 0, 0, 0), low=1e-16, high=1.0)
        self.err2.image(image="e", x="x", y="y", dw="dw", dh="dh", source=self.image, color_mapper=self.emap)
        self.err2.add_layout(ColorBar(color_mapper=self.emap, width=10, title="|f − g|"), "right")
        outside = LinearColorMapper(palette=["rgba(0, 0, 0, 0)", "rgba(213, 94, 0, 0.6)"], low=0, high=1,
                                    nan_color="rgba(0, 0, 0, 0)")
        self.err2.image(image="out", x="x", y="y", dw="dw", dh="dh", source=self.image, color_mapper=outside)
        for fig in (self.fit2, self.err2):
            fig.scatter("x", "y", source=self.supsrc, size=11, color=_VERMILION, line_color="white")


    def _curve_plot(self, tools):
        from bokeh.models import ColumnDataSource, Span
        from bokeh.plotting import figure

        self.curve = figure(title="sup error against width (filled in as widths are computed)", width=640,
                            height=260, x_axis_type="log", y_axis_type="log", tools=tools,
                            x_axis_label="width k", css_classes=["uat-plot-curve"])
        self.curve.line("k", "value", source=self.curvesrc, color=_BLUE, line_width=1.5)
        self.curve.scatter("k", "value", source=self.curvesrc, size=7, color=_BLUE)
        self.k_mark = Span(location=self.state.k, dimension="height", line_color=_ORANGE, line_width=2)
        self.curve_eps = Span(location=0.05, dimension="width", line_color=_SKY, line_dash="dashed", line_width=2)
        # a glyph, not a Span, so that the axis range takes it in (E_p may lie below every measured point)
        self.plateausrc = ColumnDataSource({"k": [], "value": []})
        self.curve.line("k", "value", source=self.plateausrc, color=_VERMILION, line_width=6, line_alpha=0.3,
                        legend_label="E_p(f): no width goes below")
        self.curve.legend.visible = False
        for item in (self.k_mark, self.curve_eps):
            self.curve.add_layout(item)

    def _layout(self):
        from bokeh.layouts import column, row
        from bokeh.models import Div

        intro = Div(text="<b>uat explore</b>: g(x) = C σ(Ax + b) against f on K, with the sup error measured "
                         "and, where proved, bracketed. Every setting is in the address: copy it to share this view.",
                    width=960)
        controls = column(self.target, self.domain, row(self.sigma, self.method), self.k_slider,
                          row(self.k_input, self.depth, self.seed), row(self.eps, self.cancel), self.status,
                          self.error, Div(text="<b>by hand</b> (one hidden layer, 1-D)"), row(self.unit, self.refit,
                                                                                               self.reset),
                          self.edit_a, self.edit_b, self.edit_c, Div(text="<b>share</b>"),
                          row(self.downloads[0], self.downloads[1]), row(self.downloads[2], self.downloads[3]),
                          self.url, width=320)
        plots = column(self.sup, self.fit1, self.err1, row(self.f2, self.fit2, self.err2), self.curve_status, self.curve,
                       self.plateau_text, self.notes)
        self.doc.add_root(column(intro, row(controls, plots)))
        self.doc.title = "uat explore"

    # --- reading and setting the widgets ----------------------------------------------------------------------
    @contextlib.contextmanager
    def _quietly(self):
        """Set widgets without their callbacks asking for a new view."""
        self.syncing = True
        try:
            yield
        finally:
            self.syncing = False

    def _set_widgets(self, s: State) -> None:
        with self._quietly():
            self.target.value, self.domain.value = s.target, s.domain
            self.sigma.value, self.method.value = s.sigma, s.method
            self.k_slider.value = self.k_input.value = s.k
            self.depth.value, self.seed.value, self.eps.value = s.depth, s.seed, s.eps

    def _from_widgets(self) -> State:
        return State(target=self.target.value.strip(), domain=self.domain.value.strip(), sigma=self.sigma.value,
                     k=int(self.k_input.value if self.k_input.value is not None else self.state.k),
                     depth=int(self.depth.value or 1), method=self.method.value,
                     seed=int(self.seed.value or 0), eps=float(self.eps.value if self.eps.value is not None else 0))

    def _changed(self, attr, old, new):
        if self.syncing:
            return
        if self.k_input.value is not None and self.k_slider.value != self.k_input.value:
            with self._quietly():
                self.k_slider.value = self.k_input.value
        try:
            state = self._from_widgets()
        except (ValueError, TypeError) as err:
            self._show_error(message(err))
            return
        if state.fit_key() == self.state.fit_key():
            state = replace(state, ops=self.state.ops)  # only ε moved: keep the edits
        self.request(state)

    def _slid(self, attr, old, new):
        if self.syncing:
            return
        with self._quietly():
            self.k_input.value = int(new)
        self._changed(attr, old, new)

    # --- hand edits ---------------------------------------------------------------------------------------------
    def _unit_chosen(self, attr, old, new):
        if not self.syncing:
            self._sync_unit_sliders()

    def _sync_unit_sliders(self):
        from uat.network import ShallowNetwork

        net = None if self.view is None else self.view.network
        ok = isinstance(net, ShallowNetwork) and net.dim == 1 and net.n_outputs == 1
        for w in (self.unit, self.edit_a, self.edit_b, self.edit_c, self.refit):
            w.disabled = not ok
        self.reset.disabled = not self.state.ops
        if not ok:
            self.chosen.data = self.chosen_mark.data = {"x": [], "y": []}
            return
        with self._quietly():
            options = [str(i) for i in range(net.width)]
            if self.unit.options != options:
                self.unit.options = options
            if self.unit.value not in options:
                self.unit.value = "0"
            i = int(self.unit.value)
            for slider, value in ((self.edit_a, net.A[i, 0]), (self.edit_b, net.b[i]), (self.edit_c, net.C[0, i])):
                value = float(value)
                span = 2 * abs(value) + 1.0
                slider.start, slider.end = value - span, value + span
                slider.step = span / 200
                slider.value = value
        self._draw_chosen(net, i)

    def _draw_chosen(self, net, i: int) -> None:
        x = np.asarray(self.line.data["x"], dtype=float)
        a, b, c = float(net.A[i, 0]), float(net.b[i]), float(net.C[0, i])
        self.chosen.data = {"x": x, "y": c * net.activation.fn(a * x + b)}
        bottom = float(self.unit_marks.glyph.y) if isinstance(self.unit_marks.glyph.y, (int, float)) else 0.0
        self.chosen_mark.data = {"x": [-b / a] if a != 0 else [], "y": [bottom] if a != 0 else []}

    def _edited(self, attr, old, new):
        if self.syncing:
            return
        edit = Edit(int(self.unit.value), float(self.edit_a.value), float(self.edit_b.value),
                    float(self.edit_c.value))
        self.request(self.state.with_edit(edit))

    def _refit(self):
        self.request(self.state.with_edit(Edit(refit=True)))

    def _reset(self):
        self.request(replace(self.state, ops=()))

    # --- requests ------------------------------------------------------------------------------------------------
    def request(self, state: State) -> None:
        """Compute ``state`` on the worker; its view replaces the current one when it is still the latest."""
        self.generation += 1
        generation = self.generation
        self.state = state
        self.url.text = state.to_query()
        what = f"k = {state.k}" if state.depth == 1 else f"{state.depth} layers of {state.k}"
        self.status.text = f"computing: {_html(state.method)} fit at {what}, then its sup error…"
        self.cancel.disabled = False
        self._submit(logic.compute, state, self._watcher(lambda: generation != self.generation, state),
                     then=partial(self._answer, generation))

    def _watcher(self, stale, state: State | None = None):
        """For a training fit (backprop): stop it once ``stale()`` (Cancel, a newer request, the tab closed), and for
        the main request show its progress in the status line, twice a second at most."""
        shown = [0.0]

        def watch(iteration, loss, seconds):
            if self.closed or stale():
                raise FitCancelled("the page no longer wants this fit")
            if state is not None and seconds - shown[0] >= 0.5:
                shown[0] = seconds
                text = (f"computing: {_html(state.method)} fit at k = {state.k}, update {iteration:,}, training loss "
                        f"{loss:.3e}, {seconds:.1f} s (Cancel stops it)")
                try:
                    self.doc.add_next_tick_callback(partial(self._progress, state, text))
                except Exception:  # noqa: BLE001 - the session went away
                    self.closed = True

        return watch

    def _progress(self, state, text) -> None:
        if state == self.state and not self.closed:
            self.status.text = f"<span class='uat-progress'>{text}</span>"

    def _answer(self, generation, future) -> None:
        if generation != self.generation or future.cancelled():
            return  # a newer request (or Cancel) came first
        self.cancel.disabled = not self.curve_busy()
        err = future.exception()
        if err is not None:
            self._show_error(message(err))
            self.status.text = ("the last request failed; the page shows the last good view" if self.view is not None
                                else "the last request failed; nothing to show yet")
            return
        if self.sticky:  # shown once, with the first view; the next change clears it
            self.sticky = None
        else:
            self.error.visible = False
        self._draw(future.result())

    def _show_error(self, text: str) -> None:
        self.error.text = f"<pre style='white-space: pre-wrap; margin: 0'>{_html(text)}</pre>"
        self.error.visible = True

    def _cancel(self):
        self.generation += 1
        self.curve_generation += 1
        for future in list(self.pending):
            future.cancel()
        self.curve_for = None
        self.cancel.disabled = True
        self.curve_status.text = "<span class='uat-curve-text'>sup error against width: cancelled</span>"
        self.status.text = ("cancelled: a training fit stops at its next update, other work in flight finishes "
                            "in the background and is discarded"
                            + (f"; showing k = {self.view.state.k}" if self.view is not None else ""))

    # --- drawing -------------------------------------------------------------------------------------------------
    def _draw(self, view: logic.View) -> None:
        self.view = view
        s, e, p = view.state, view.estimate, view.plot
        self.sup.text = (f"<b class='uat-sup-text' data-value='{e.value!r}' data-upper='{e.upper!r}' "
                         f"data-state='{_html(s.to_query())}'>{_html(view.summary())}</b>")
        self.status.text = (f"<span class='uat-status-text' data-fit='{view.fit_seconds!r}' "
                            f"data-sup='{view.sup_seconds!r}'>fit {view.fit_seconds:.3g} s, sup error "
                            f"{view.sup_seconds:.3g} s ({e.n_evals:,} evaluations; {_html(e.method)})</span>")
        self.notes.text = "<br>".join(_html(n) for n in view.notes)
        self.eps_line.location = self.curve_eps.location = s.eps
        self.k_mark.location = s.k
        one = view.dim == 1
        for fig in (self.fit1, self.err1):
            fig.visible = one
        for fig in (self.f2, self.fit2, self.err2):
            fig.visible = not one
        argmax = np.atleast_1d(e.argmax)
        if one:
            x = p["X"][:, 0]
            f, g = p["F"][:, 0], p["G"][:, 0]
            self.line.data = {"x": x, "f": f, "g": g, "lo": f - s.eps, "hi": f + s.eps, "e": p["E"]}
            gx = float(np.ravel(view.network(argmax[None, :]))[0])
            self.supsrc.data = {"x": [float(argmax[0])], "y": [gx], "e": [max(e.value, 1e-300)]}
            self.err_label.text = (f"● sup point: x = {float(argmax[0]):.4g}, |f − g| = {e.value:.4g}"
                                   + (f" ≤ {e.upper:.4g} (proved)" if e.upper is not None else ""))
            units = view.units
            if units is not None:
                keep = units["inside"]
                weights = units["weight"][keep]
                size = 6 + 10 * weights / weights.max() if weights.size and weights.max() > 0 else np.full(0, 8.0)
                bottom = float(np.nanmin(f - s.eps))
                self.unit_marks.glyph.y = bottom
                self.unitsrc.data = {"x": units["position"][keep], "size": size, "unit": units["unit"][keep]}
            else:
                self.unitsrc.data = {"x": [], "size": [], "unit": []}
        else:
            self._draw_2d(view, argmax)
        self._draw_plateau(view)
        self._sync_unit_sliders()
        if s.curve_key() != self.curve_for:
            self._start_curve(s)
        else:
            self._add_curve_k(s)

    def _draw_2d(self, view, argmax) -> None:
        p, s = view.plot, view.state
        m = p["shape"]
        lower, upper = view.target.domain.bounds
        G, F = p["G"][:, 0].reshape(m), p["F"][:, 0].reshape(m)
        E = p["E"].reshape(m).copy()
        E[~p["inside"].reshape(m)] = np.nan
        positive = E[np.isfinite(E) & (E > 0)]
        floor = float(positive.min()) if positive.size else 1e-16
        out = np.where(np.isfinite(E), (E >= s.eps).astype(float), np.nan)
        self.emap.low, self.emap.high = floor, max(float(np.nanmax(E)) if positive.size else 1.0, floor * 10)
        self.image.data = {"f": [F], "g": [G], "e": [np.where(E > 0, E, floor)], "out": [out], "x": [lower[0]], "y": [lower[1]],
                           "dw": [upper[0] - lower[0]], "dh": [upper[1] - lower[1]]}
        self.supsrc.data = {"x": [float(argmax[0])], "y": [float(argmax[1])], "e": [view.estimate.value]}
        self.fit2.x_range.start, self.fit2.x_range.end = float(lower[0]), float(upper[0])
        self.fit2.y_range.start, self.fit2.y_range.end = float(lower[1]), float(upper[1])
        self.unitsrc.data = {"x": [], "size": [], "unit": []}
        xs, ys = logic.unit_lines(view.network, view.target.domain)
        self.lines2.data = {"xs": xs, "ys": ys}

    def _draw_plateau(self, view) -> None:
        plateau = view.plateau
        shown = plateau is not None and plateau["value"] is not None
        self.curve.legend.visible = shown
        self.plateausrc.data = ({"k": [1, logic.MAX_WIDTH], "value": [plateau["value"]] * 2} if shown
                                else {"k": [], "value": []})
        if plateau is None:
            self.plateau_text.text = ""
            return
        if shown:
            p = plateau["degree"]
            text = (f"σ = {view.state.sigma} is a polynomial: g has degree ≤ {p}, so sup error ≥ E_{p}(f) = "
                    f"{plateau['value']:.4g} at every k (the pale band; E_{p} is bracketed in "
                    f"[{plateau['lower']:.6g}, {plateau['value']:.6g}])")
        else:
            text = f"σ is a polynomial; E_p(f) not computed: {plateau['error']}"
        self.plateau_text.text = f"<span class='uat-plateau-text'>{_html(text)}</span>"

    # --- the error-against-width curve -----------------------------------------------------------------------------
    def curve_busy(self) -> bool:
        return self.curve_for is not None and bool(self.curve_todo)

    def _start_curve(self, s: State) -> None:
        self.curve_generation += 1
        self.curve_for = s.curve_key()
        self.curvesrc.data = {"k": [], "value": []}
        self.curve_todo = logic.curve_widths(s.k, s.method)
        self.curve_done = {}
        # after a pause, so that the browser paints the answer before the curve's points start to stream in
        # (measured: starting at once delayed the answer's paint by 0.1-0.4 s)
        self.doc.add_timeout_callback(partial(self._next_curve_point, self.curve_generation, s), _CURVE_DELAY_MS)

    def _add_curve_k(self, s: State) -> None:
        if s.k not in self.curve_done and s.k not in self.curve_todo and not s.ops:
            self.curve_done[s.k] = {"k": s.k, "value": float(self.view.estimate.value)}
            self._redraw_curve()
            self._curve_finished_text()

    def _next_curve_point(self, generation, s: State) -> None:
        if generation != self.curve_generation:
            return
        if not self.curve_todo:
            self._curve_finished_text()
            self.cancel.disabled = True
            return
        k = self.curve_todo[0]
        self.cancel.disabled = False
        done = len(self.curve_done)
        self.curve_status.text = (f"<span class='uat-curve-text'>sup error against width: {done} of "
                                  f"{done + len(self.curve_todo)} widths, computing k = {k}… (Cancel stops it)</span>")
        self._submit(logic.curve_point, s, k, self._watcher(lambda: generation != self.curve_generation),
                     then=partial(self._curve_answer, generation, s))

    def _curve_finished_text(self) -> None:
        failed = sorted(k for k, p in self.curve_done.items() if p.get("error"))
        text = f"sup error against width: all {len(self.curve_done)} widths computed"
        if logic.curve_widths(1, self.state.method)[-1] < logic.MAX_WIDTH:
            text += (f" (up to k = {logic.MAX_TRAINED_CURVE} and the current k: training every weight is slow, "
                     "and the worker is shared)")
        if failed:
            first = self.curve_done[failed[0]]["error"]
            text += f"; {len(failed)} failed (k = {', '.join(map(str, failed))}): {first}"
        self.curve_status.text = f"<span class='uat-curve-text'>{_html(text)}</span>"

    def _curve_answer(self, generation, s, future) -> None:
        if generation != self.curve_generation or future.cancelled() or isinstance(future.exception(), FitCancelled):
            return
        point = future.result()
        self.curve_todo = [w for w in self.curve_todo if w != point["k"]]
        self.curve_done[point["k"]] = point
        self._redraw_curve()
        self._next_curve_point(generation, s)

    def _redraw_curve(self) -> None:
        points = sorted((p for p in self.curve_done.values() if p.get("value")), key=lambda p: p["k"])
        self.curvesrc.data = {"k": [p["k"] for p in points], "value": [p["value"] for p in points]}


def make_document(doc) -> None:
    """Build one tab's page (the Bokeh application's handler), from the settings in its address."""
    arguments = {}
    context = getattr(doc, "session_context", None)
    request = getattr(context, "request", None) if context is not None else None
    if request is not None:
        arguments = request.arguments
    Explorer(doc, arguments)


def _export_handler(hosts):
    from tornado.web import RequestHandler

    class ExportHandler(RequestHandler):
        """GET /export/<name>?<state>: the network, the figure or the study file of that state. Only for requests
        addressed to this server by name (``hosts``), so that another site's page cannot make it fit."""

        async def get(self, name):
            if self.request.host not in hosts:
                self.set_status(403)
                self.finish(f"exports answer requests to {' or '.join(sorted(hosts))} only")
                return
            if name not in EXPORTS:
                self.set_status(404)
                self.finish(f"unknown export {name!r}; the exports are {', '.join(EXPORTS)}")
                return
            try:
                state = State.from_query(self.request.arguments)
                kind, make = EXPORTS[name]
                if make is None:
                    body = logic.study_toml(state).encode()
                else:
                    from tornado.ioloop import IOLoop

                    view = await IOLoop.current().run_in_executor(_WORKER, logic.compute, state)
                    body = await IOLoop.current().run_in_executor(_WORKER, make, view)
            except Exception as err:  # noqa: BLE001 - every failure is a message, never a traceback
                self.set_status(400)
                self.set_header("Content-Type", "text/plain; charset=utf-8")
                self.finish(message(err))
                return
            from uat.study.figures import slug

            stem = "uat-" + slug(state.target)
            self.set_header("Content-Type", kind)
            self.set_header("Content-Disposition", f'attachment; filename="{stem}-{name}"')
            self.finish(body)

    return ExportHandler


def free_port(address: str = "127.0.0.1") -> int:
    """A TCP port free on ``address`` now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


def serve(port: int | None = None, *, open_browser: bool = True, query: str = "", announce=print) -> None:
    """Start the explorer on 127.0.0.1 (``port``, or a free one) and serve until interrupted.

    ``query`` (a state's query string) is opened in the browser; ``announce`` is called with the address."""
    from bokeh.application import Application
    from bokeh.application.handlers.function import FunctionHandler
    from bokeh.server.server import Server

    address = "127.0.0.1"
    port = port or free_port(address)
    hosts = {f"{address}:{port}", f"localhost:{port}"}
    try:
        server = Server({"/": Application(FunctionHandler(make_document))}, address=address, port=port,
                        allow_websocket_origin=sorted(hosts),
                        extra_patterns=[(r"/export/([A-Za-z0-9_.-]+)", _export_handler(hosts))])
    except OSError as err:
        raise OSError(f"--port {port}: cannot listen on {address}:{port} ({err.strerror or err}); "
                      "choose another port or leave --port out for a free one") from None
    server.start()
    url = f"http://{address}:{port}/" + (f"?{query}" if query else "")
    announce(url)
    if open_browser:
        import webbrowser

        server.io_loop.add_callback(webbrowser.open, url)
    try:
        server.io_loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
