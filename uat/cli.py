"""The ``uat`` command: a thin shell over the library (parse, call, print).

Errors are printed as one line ``Error: ...`` without a traceback and exit with status 1, whatever
they are (a traceback is a defect): uat's own messages as they are, running out of memory and a
failing SQLite as what they are, anything else with its type and a request to report it. click's
usage errors keep their form (status 2). uat's warnings (ill-conditioning, convergence) are printed
to stderr as ``warning: ...``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
import warnings

import click

import uat  # a lazy facade: `uat --help` and `uat --version` import no numpy, scipy, pandas or matplotlib
from uat.exceptions import USER_ERRORS, UatWarning, user_message

#: uat.study.tables.FORMATS, written out: importing it here would load pandas for `uat --help` (a test checks
#: that the two agree).
TABLE_FORMATS = ("text", "markdown", "latex", "csv")

def _parse_value(text: str):
    """An option value: JSON (numbers, true/false, null, lists, quoted strings) or else the plain string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _parse_options(pairs: tuple[str, ...]) -> dict:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"options are KEY=VALUE, e.g. -o n_samples=4096; got {pair!r}",
                                     param_hint="'-o/--option'")
        options[key.strip()] = _parse_value(value.strip())
    return options


class _Warnings:
    """Collect uat's warnings during a command and print them as one line each."""

    def __enter__(self):
        self._catch = warnings.catch_warnings(record=True)
        self.records = self._catch.__enter__()
        warnings.simplefilter("always", UatWarning)
        return self

    def __exit__(self, *exc):
        self._catch.__exit__(*exc)
        for record in self.records:
            if issubclass(record.category, UatWarning):
                click.echo(f"warning: {record.message}", err=True)
            else:
                warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)
        return False


def _one_line(err: Exception) -> click.ClickException:
    """Any error that reached the command line as one readable line."""
    return click.ClickException(user_message(err))


class _Group(click.Group):
    """The top-level group: every error a command lets through becomes ``Error: <one line>``, status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Abort, click.exceptions.Exit):
            raise
        except Exception as err:  # noqa: BLE001 - the command line shows no tracebacks
            raise _one_line(err) from err


@click.group(cls=_Group)
@click.version_option(uat.__version__, prog_name="uat")
@click.pass_context
def main(ctx):
    """uat: fit C·σ(Ax+b) to continuous targets, measure sup-norm errors and the width k*(ε)."""
    from uat._threads import lazily_pinned_blas

    ctx.with_resource(lazily_pinned_blas)  # the whole command computes with every BLAS pool on one thread


class _Width(click.ParamType):
    """--width: an integer (one hidden layer) or comma-separated integers (the hidden widths of a deep network);
    the values themselves are checked by uat.fit, with its message."""

    name = "width"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, list)):
            return value
        parts = [part.strip() for part in str(value).split(",")]
        if len(parts) == 1:
            return click.INT.convert(value, param, ctx)  # click's own message for a bad integer
        try:
            return [int(part) for part in parts]
        except ValueError:
            self.fail(f"must be an integer such as 64 or comma-separated hidden widths such as 16,16; got {value!r}",
                      param, ctx)


_WIDTH = _Width()


@main.command("fit")
@click.argument("target")
@click.option("--domain", "-d", default=None, help="product of intervals, e.g. '[-1,1]' or '[-1,1]x[0,2]'; "
              "omit for library targets")
@click.option("--activation", "-a", default="tanh", show_default=True, help="σ (see `uat list activations`)")
@click.option("--width", "-k", default="64", show_default=True, type=_WIDTH,
              help="hidden units, or comma-separated hidden widths of a deep network (backprop), e.g. 16,16")
@click.option("--method", "-m", default="lstsq", show_default=True, help="fitting method (see `uat list methods`)")
@click.option("--seed", "-s", default=0, show_default=True, type=int, help="seed of every random draw")
@click.option("--option", "-o", "option_pairs", multiple=True, metavar="KEY=VALUE",
              help="method option, repeatable, e.g. -o n_samples=4096 -o solver=svd")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object instead of text")
@click.option("--plot", "plot_path", default=None, type=click.Path(dir_okay=False),
              help="save a figure of f, g and |f-g| (1-D) or heat maps (2-D) to this file")
@click.option("--save", "save_path", default=None, type=click.Path(dir_okay=False),
              help="save the fitted network (.npz, no pickle)")
@click.option("--certify/--no-certify", default=True, show_default=True,
              help="prove an upper bound of the sup error where the facts allow (branch and bound)")
@click.option("--certify-evals", default=1 << 15, show_default=True, type=int,
              help="the bound's budget of error evaluations")
@click.option("--lipschitz", default=None, type=float,
              help="a Lipschitz constant of the target on its domain (for an expression: what a certified bound "
                   "needs; a library target's own is replaced)")
@click.option("--curvature", default=None, type=float,
              help="1-D: a bound of sup|f″| on the domain (tightens the certified bound)")
def fit_command(target, domain, activation, width, method, seed, option_pairs, as_json, plot_path, save_path,
                certify, certify_evals, lipschitz, curvature):
    """Fit one network to TARGET (a library name or an expression such as 'sin(2*pi*x)')."""
    from uat._validation import jsonable

    options = _parse_options(option_pairs)
    if plot_path:
        _plot_format(plot_path)
    try:
        if plot_path:  # before the fit: close-ups are drawn in one and two dimensions
            dim = uat.targets.as_target(target, domain).dim
            if dim > 2:
                raise click.BadParameter(f"fits up close are drawn for targets on 1-D and 2-D domains; this one "
                                         f"is {dim}-D", param_hint="'--plot'")
        target = _with_facts(target, domain, lipschitz, curvature)
        with _Warnings():
            result = uat.fit(target, domain, width=width, activation=activation, method=method, seed=seed,
                             **options)
            start = time.perf_counter()
            estimate = result.sup_error(certify=certify, certify_evals=certify_evals)
            sup_seconds = time.perf_counter() - start
            rms = uat.rms_error(result.target, result.network)
        if save_path:
            result.network.save(save_path)
        if plot_path:
            _save_plot(result, estimate, plot_path)
    except USER_ERRORS as err:
        raise click.ClickException(str(err)) from err
    record = _record(result, estimate, rms, sup_seconds, certify)
    if certify and estimate.upper is None:  # why no upper bound was proved, in the bracket's own words
        record["no_bracket"] = estimate.facts.get("no_bracket") or uat.certify.bracket_refusal(result.target,
                                                                                               result.network)
    click.echo(json.dumps(jsonable(record), indent=2) if as_json else _describe(record))


def _with_facts(target: str, domain, lipschitz, curvature):
    """TARGET as given, or, with --lipschitz/--curvature, its Target carrying those facts (checked by Target)."""
    if lipschitz is None and curvature is None:
        return target
    found = uat.targets.as_target(target, domain)
    facts = {name: value for name, value in (("lipschitz", lipschitz), ("curvature", curvature)) if value is not None}
    return dataclasses.replace(found, **facts)


def _record(result: uat.FitResult, estimate: uat.SupEstimate, rms: float, sup_seconds: float,
            certify: bool = True) -> dict:
    return {
        "target": result.target.name, "domain": str(result.domain), "activation": result.activation,
        "width": result.width, "method": result.method, "seed": result.seed,
        "sup_error": estimate.value, "argmax": estimate.argmax.tolist(), "sup_lower": estimate.lower,
        "sup_upper": estimate.upper, "sup_method": estimate.method, "sup_facts": dict(estimate.facts),
        "sup_n_evals": estimate.n_evals,
        "sup_initial": estimate.initial, "rounding_floor": estimate.floor, "rms_error": rms,
        "train_rms": result.train_rms, "train_max": result.train_max, "n_samples": result.n_samples,
        "fit_seconds": result.fit_seconds, "sup_seconds": sup_seconds, "diagnostics": result.diagnostics,
        "approximant": result.network.describe(),
        **_architecture(result.network), "bracket": _bracket_record(estimate), "no_bracket": None,
        "certify": certify, "uat_version": uat.__version__,
    }


def _architecture(network) -> dict:
    """The fitted model's depth L (affine maps: 2 for C σ(Ax + b)), widths (N_0, …, N_L) and n_params; depth and
    widths None for a model without layers (a polynomial)."""
    if isinstance(network, uat.DeepNetwork):
        depth, widths = network.depth, list(network.widths)
    elif isinstance(network, uat.ShallowNetwork):
        depth, widths = 2, [network.dim, network.width, network.n_outputs]
    else:
        depth, widths = None, None
    return {"depth": depth, "widths": widths, "n_params": network.n_params}


def _bracket_record(estimate: uat.SupEstimate) -> dict | None:
    """The certified bracket of the estimate as plain data, None where none was proved."""
    bracket = estimate.details.get("bracket")
    if bracket is None:
        return None
    return {"lower": bracket.lower, "upper": bracket.upper, "converged": bracket.converged, "outcome": bracket.outcome,
            "kind": bracket.kind, "n_evals": bracket.n_evals, "lipschitz": bracket.lipschitz, "floor": bracket.floor}


def _describe(r: dict) -> str:
    from uat.fitting import uses_activation

    argmax = ", ".join(f"{v:.6g}" for v in r["argmax"])
    diag = r["diagnostics"]
    facts = ", ".join(f"{key} {diag[key]:.3g}" if isinstance(diag[key], float) else f"{key} {diag[key]}"
                      for key in ("rank", "cond", "solver", "rounds", "converged") if key in diag)
    upper = (f", certified upper bound {r['sup_upper']:.3e}" if r["sup_upper"] is not None else
             ", no upper bound (--no-certify)" if not r["certify"] else "")
    if r.get("no_bracket") and r["no_bracket"] not in r["sup_method"]:
        upper += f"\n            no upper bound proved: {r['no_bracket']}"
    noise = ("\n            (within 10x the rounding floor: this error is rounding noise, not approximation)"
             if r["sup_error"] <= 10 * r["rounding_floor"] else "")
    if r.get("approximant") and r.get("depth") != 2:  # a deep network, or a polynomial baseline (which has no σ)
        unused = "" if uses_activation(r["method"]) else " (σ not used)"
        network = f"{r['approximant']}, method {r['method']}{unused}, seed {r['seed']}"
    else:
        network = f"{r['activation']}, width {r['width']}, method {r['method']}, seed {r['seed']}"
    bound = diag.get("a_priori_bound")
    a_priori = (f"\na priori    {bound:.3e} ({diag.get('a_priori_bound_kind', '')})" if isinstance(bound, float) else
                f"\na priori    none ({diag['a_priori_bound_kind']})" if "a_priori_bound_kind" in diag else "")
    return "\n".join([
        f"target      {r['target']} on {r['domain']}",
        f"network     {network}" + (f" ({facts})" if facts else ""),
        f"sup error   {r['sup_error']:.3e} at x = ({argmax}){upper}{a_priori}",
        f"            {r['sup_method']}; {r['sup_n_evals']} evaluations; raw maximum before refinement "
        f"{r['sup_initial']:.3e}; rounding floor ≈ {r['rounding_floor']:.1e}{noise}",
        f"rms error   {r['rms_error']:.3e}",
        f"training    rms {r['train_rms']:.3e}, max {r['train_max']:.3e} on {r['n_samples']} points",
        f"time        fit {r['fit_seconds']:.3f} s, sup estimate {r['sup_seconds']:.3f} s",
    ])


def _plot_format(path: str) -> tuple[str, str]:
    """--plot FILE: its stem and format, refused before any work when the suffix is not one we write."""
    from uat.plots import FORMATS

    stem, _, suffix = path.rpartition(".")
    if not stem or suffix.lower() not in FORMATS:
        raise click.BadParameter(f"the file name must end in one of {', '.join('.' + f for f in FORMATS)}; "
                                 f"got {path!r}", param_hint="'--plot'")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise click.BadParameter(f"its folder {folder!r} does not exist; got {path!r}", param_hint="'--plot'")
    return stem, suffix.lower()


def _save_plot(result: uat.FitResult, estimate: uat.SupEstimate, path: str) -> None:
    """The fit up close of `uat study plot`, in the format the file name asks for (png, pdf, svg)."""
    from uat.plots._style import write
    from uat.plots import fit_closeup, style

    _, fmt = _plot_format(path)
    title = f"{result.target.name}: {result.activation}, width {result.width}, {result.method}"
    with style():
        write(fit_closeup(result.target, result.network, estimate, title=title), path, fmt)


@main.command("explore")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="port on 127.0.0.1 (default: a free one)")
@click.option("--no-browser", is_flag=True, help="print the address without opening a browser")
@click.option("--view", "query", default="", metavar="QUERY",
              help="settings to open, as in the page's address, e.g. 'target=runge&k=32&sigma=relu'")
def explore_command(port, no_browser, query):
    """Start the live explorer: a local page (127.0.0.1, nothing fetched from the network) showing f, g, the
    ε-tube, |f − g| with its sup point and certified bracket, the units and sup error against width."""
    from uat.explore import require_bokeh, serve
    from uat.explore.logic import State

    try:
        require_bokeh()
    except ImportError as err:
        raise click.ClickException(str(err)) from None
    try:
        query = State.from_query(query).to_query()
    except (ValueError, TypeError) as err:
        raise click.ClickException(f"--view: {err}") from err
    serve(port, open_browser=not no_browser, query=query,
          announce=lambda url: click.echo(f"uat explore: serving {url} (Ctrl-C stops it)", err=False))


@main.command("list")
@click.argument("what", type=click.Choice(["activations", "targets", "methods", "domains"]))
def list_command(what):
    """List the registered activations, targets or fitting methods, or the forms of domain text."""
    if what == "domains":
        from uat.domains._parse import EXAMPLES

        for name, example, description in EXAMPLES:
            click.echo(f"{name:<13} {example}\n              {description}")
    elif what == "activations":
        for name in uat.list_activations():
            act = uat.get_activation(name)
            flags = [f"polynomial, degree {act.degree}" if act.polynomial else "",
                     "discontinuous" if not act.continuous else "",
                     f"Lipschitz {act.lipschitz:.4g}" if act.lipschitz is not None else "Lipschitz: none on ℝ"]
            click.echo(f"{name:<12} {act.description} [{'; '.join(f for f in flags if f)}]")
    elif what == "targets":
        for name in uat.list_targets():
            t = uat.get_target(name)
            lip = f"Lipschitz {t.lipschitz:.4g}" if t.lipschitz is not None else "not Lipschitz"
            click.echo(f"{name:<13} ℝ^{t.dim}→ℝ^{t.n_outputs} on {t.domain}: {t.description} [{lip}]")
    else:
        from uat.fitting import get_method

        for name in uat.list_methods():
            method = get_method(name)
            click.echo(f"{name:<8} {method.description}")
            for option, default in method.options.items():
                click.echo(f"           {option} = {default!r}: {method.option_docs.get(option, '')}")


# --- uat study ----------------------------------------------------------------------------------------

@main.group("study")
def study():
    """Run studies (TOML files) and look at their results."""


@study.command("run")
@click.argument("study_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_dir", default=None, help="study folder (default: out/<name>)")
@click.option("--jobs", "-j", default=None, type=int, help="worker processes (default: all cores)")
@click.option("--force", is_flag=True, help="recompute every cell, discarding stored results")
@click.option("--retry-failed", is_flag=True, help="run the failed cells again")
@click.option("--scheduler", default=None, metavar="ADDRESS", help="a running dask.distributed scheduler to use")
def study_run(study_file, out_dir, jobs, force, retry_failed, scheduler):
    """Run STUDY_FILE; rerunning resumes where it stopped."""
    from uat.study import load_config, run_study
    from uat.study.runner import default_folder

    try:
        config = load_config(study_file)
    except USER_ERRORS as err:
        raise click.ClickException(str(err)) from err
    out = out_dir or str(default_folder(config))
    try:
        frame = run_study(study_file, out, jobs=jobs, force=force, retry_failed=retry_failed,
                          scheduler=scheduler, progress=True)  # tqdm on stderr: uat.study.progress
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: every finished cell is stored in {out}; rerun the same command to resume",
                   err=True)
        raise SystemExit(130) from None
    except USER_ERRORS as err:
        raise click.ClickException(str(err)) from err
    failed = int((frame["status"] != "ok").sum())
    click.echo(f"{len(frame)} cells in {out}: {len(frame) - failed} ok, {failed} failed"
               + (f" (see `uat study status {out}`)" if failed else ""))
    click.echo(_table_text(frame, config.resolved()))


def _table_text(frame, config: dict, fmt: str = "text") -> str:
    """The k*(ε) table of a study's results in ``fmt``, after its legend (``config``: the resolved configuration)."""
    from uat.study import k_star_table, summarize
    from uat.study.analysis import PLATEAUS, has_depth, has_domains, with_certified
    from uat.study.describe import certify_summary
    from uat.study.tables import render

    tolerances = config["tolerances"]
    summary = summarize(frame)
    table = k_star_table(summary, tolerances)
    replicates = int(frame["replicate"].max()) + 1 if len(frame) else 0
    widths = sorted(frame["width"].unique())
    head = (f"k*(ε): the smallest width whose median sup error over {replicates} replicate(s) is <= ε "
            f"(widths {widths[0]}..{widths[-1]}; >K: not reached; ?: cells failed at the widths it rests on). "
            "rate: slope of log error against log width [95% interval]. " + PLATEAUS if widths else "no results yet")
    curves = set(with_certified(summary)["curve"]) if len(table) else set()
    if "certified" in curves:
        head += (" Rows '(certified upper)': the same read off the proved upper bounds of the sup (branch and "
                 "bound), at the widths where every replicate was certified: at such a k* every replicate provably "
                 "reaches ε.")
    if "a_priori" in curves:
        head += " Rows '(a-priori bound)': the width at which the method's a-priori bound guarantees ε."
    if has_domains(frame):
        head += " domain: the compact set K the row's target was fitted on and measured on (grid.domain)."
    if has_depth(frame):
        head += (" depth: hidden layers of `width` units each (Kutyniok's depth L is one more); k* (P): P is the "
                 "parameter count of the model at k*, k*(ε) also measured in parameters.")
    if widths:
        head += f" Certified {certify_summary(config)}."
    return render(table, fmt, head)


def _open(folder, all_cells: bool = False):
    from uat.study import load_results
    from uat.study.store import StudyStore

    try:
        config = StudyStore(folder).config()
        return load_results(folder, all_cells=all_cells), config
    except USER_ERRORS as err:
        raise click.ClickException(str(err)) from err


@study.command("table")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMATS), default="text",
              show_default=True, help="text (with its legend), markdown or latex (legend as a paragraph or % "
              "comments, cells escaped), csv (the table alone)")
@click.option("--target", multiple=True, help="only these targets (repeatable or comma-separated)")
@click.option("--activation", multiple=True, help="only these activations (repeatable or comma-separated)")
@click.option("--method", multiple=True, help="only these methods (repeatable or comma-separated)")
@click.option("--depth", multiple=True, help="only these depths, in hidden layers (repeatable or comma-separated)")
@click.option("--domain", multiple=True, help="only these domains, as the table prints them (repeatable)")
def study_table(folder, fmt, target, activation, method, depth, domain):
    """Print the k*(ε) table of a study folder."""
    from uat.study.tables import select

    frame, config = _open(folder)
    for column, values in (("target", target), ("domain", domain), ("activation", activation), ("method", method),
                           ("depth", depth)):
        try:
            frame = select(frame, **{column: values})
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint=f"--{column}") from err
    click.echo(_table_text(frame, config, fmt))


@study.command("status")
@click.argument("folder", type=click.Path(file_okay=False))
def study_status(folder):
    """Print progress and failures of a study folder."""
    from uat.study.config import StudyConfig
    from uat.study.store import StudyStore

    frame, config = _open(folder)  # the cells of the folder's grid (its last run's)
    total = StudyConfig.from_resolved(config).n_cells  # methods may be crossed with some activations only
    failed = frame[frame["status"] != "ok"]
    click.echo(f"study {config['name']!r}: {len(frame)} of {total} cells finished, "
               f"{len(frame) - len(failed)} ok, {len(failed)} failed, {total - len(frame)} to run")
    outside = StudyStore(folder).cell_count() - len(frame)
    if outside:
        click.echo(f"  and {outside} stored cells outside this grid (kept: a run that includes them again reuses "
                   f"them; uat study export --all-cells {folder} lists them)")
    for _, row in failed.head(20).iterrows():
        depth = f" depth {row['depth']}" if row.get("depth", 1) != 1 else ""
        on = f" on {row['domain']}" if config.get("domain_axis") else ""
        click.echo(f"  failed: {row['target']}{on} {row['activation']} {row['method']} width {row['width']}{depth} "
                   f"replicate {row['replicate']}: {row['error']}")
    if len(failed) > 20:
        click.echo(f"  ... and {len(failed) - 20} more (uat study export {folder})")


@study.command("export")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True)
@click.option("--output", "-o", default=None, help="file to write (default: FOLDER/results.csv|parquet)")
@click.option("--all-cells", is_flag=True, help="also the stored cells outside the folder's grid (left by a wider run)")
def study_export(folder, fmt, output, all_cells):
    """Export the results of a study folder as one tidy table."""
    frame, _ = _open(folder, all_cells)
    output = output or f"{folder}/results.{fmt}"
    if fmt == "csv":
        frame.assign(sup_argmax=frame["sup_argmax"].map(json.dumps), sup_facts=_json_column(frame["sup_facts"])) \
            .to_csv(output, index=False)
    else:
        try:
            frame.assign(sup_facts=_json_column(frame["sup_facts"])).to_parquet(output, index=False)
        except ImportError as err:
            raise click.ClickException("parquet export needs pyarrow: pip install 'uat[parquet]'") from err
    click.echo(f"wrote {len(frame)} rows to {output}")


def _json_column(column):
    """A column of dicts (or None) as JSON text (empty where None), for files that hold text, not objects."""
    return column.map(lambda value: "" if value is None else json.dumps(value))


@study.command("plot")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--format", "formats", default="png", show_default=True, help="comma-separated: png,pdf,svg")
def study_plot(folder, formats):
    """Write every figure that applies to the study into FOLDER/figures/ (error against width, k*(ε),
    and where they apply the polynomial counterexample, fits up close, unit positions, training
    curves, the activations)."""
    from uat.plots._style import parse_formats
    from uat.study.figures import study_figures

    try:
        formats = parse_formats(formats)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="'--format'") from None
    _open(folder)
    try:
        figures = study_figures(folder, formats)
    except USER_ERRORS as err:
        raise click.ClickException(str(err)) from err
    for figure in figures:
        for path in figure.paths:
            click.echo(f"wrote {path}")


@study.command("report")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--output", "-o", default=None, type=click.Path(dir_okay=False),
              help="HTML file to write (default: FOLDER/report.html)")
def study_report(folder, output):
    """Write one self-contained FOLDER/report.html: description, k*(ε) table, rates, every figure
    (embedded), the failed cells and the study file; it opens without network access."""
    from uat.study.report import write_report

    if output is not None and not os.path.isdir(os.path.dirname(os.path.abspath(output))):
        raise click.BadParameter(f"its folder {os.path.dirname(os.path.abspath(output))!r} does not exist; "
                                 f"got {output!r}", param_hint="'--output'")
    _open(folder)
    try:
        path = write_report(folder, output)
    except USER_ERRORS as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"wrote {path}")


if __name__ == "__main__":  # pragma: no cover
    main()
