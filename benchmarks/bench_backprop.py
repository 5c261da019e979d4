"""Trained networks (method 'backprop'): sup error against peers, Adam step time against PyTorch.

Part 1, the sup error of the issue's goals. N = 1024 training points equispaced on [-1, 1], tanh:
  (a) sin(2πx) at width 10, goal: uat's default backprop reaches sup error <= 1e-6 within 10 s;
  (b) sin(2πx) + 0.5|x| at width 50, goal: sup error <= 3e-4 within 10 s.
Seeds 0, 1, 2; per (problem, method) the median sup error over the seeds [min-max] and the median
wall time of the fit (the call to uat.fit or the peer's training, sup-norm estimation excluded).
Rows: uat backprop (default optimizer, varpro), the same with a minimax refinement of C, uat's
L-BFGS and Adam with their defaults, uat lstsq (random features, for reference), and the peers
scikit-learn's MLPRegressor (L-BFGS) and a PyTorch network trained by Adam (lr 1e-2, 5000 full-batch
steps) and by torch.optim.LBFGS (strong Wolfe, up to 5000 iterations), all float64 on the same
points. Every sup error is uat's estimator (uat.sup_error): on the FitResult for uat, on the peer's
prediction function for the peers (a callable, so the output bias is included), with the same
initial grid size rule as for a uat network and the training argmax as an extra point.

Part 2, one full-batch Adam step (float64, CPU, n = m = 1, tanh, target sin 2πx) at (k, N) =
(200, 1024) and (1000, 10000). Goals: uat/torch time ratio <= 1.0 at the first size, <= 0.5 at the
second. uat's step time is the median difference of its history's seconds (recorded after each
update); torch's the median of timed steps (zero_grad, forward, MSE, backward, step) after warm-up.
The two alternate, repeat by repeat.

Part 3 (short): Levenberg–Marquardt ('lm') and variable projection ('varpro', the default) cost per
iteration at widths 10, 50, 200 (N = 1024), from history seconds, with uat's default threads (row
blocks on a thread pool, every BLAS pool single-threaded inside, see uat/_threads.py) and threads=1.

torch and scikit-learn are optional: their rows say "not installed" when they are missing.
torch.set_num_threads(os.cpu_count()) is set explicitly before any torch timing.

Goal rows (also in the JSON beside --out): (a) and (b): the median sup error over the seeds and the median
fit time of uat's default backprop; the two Adam-step ratios. Info rows: per problem and peer, the
paired (seed by seed) ratios uat backprop (default) / peer of the sup error and of the fit time.

Usage: python benchmarks/bench_backprop.py [--quick] [--repeats R] [--out FILE] [--json FILE]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import warnings

import numpy as np

import uat

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Report, Stats, parser, quick_threads, table  # noqa: E402

SOURCE = "issue 3"

DOMAIN = "[-1,1]"
PROBLEMS = [  # (label, target expression, width, goal on the sup error)
    ("(a) sin(2πx), k = 10", "sin(2*pi*x)", 10, 1e-6),
    ("(b) sin(2πx) + 0.5\\|x\\|, k = 50", "sin(2*pi*x) + 0.5*abs(x)", 50, 3e-4),
]
TIME_GOAL = 10.0  # seconds, for the default backprop fit
UAT_VARIANTS = [  # (row name, options of uat.fit)
    ("uat backprop (default)", {"method": "backprop"}),
    ("uat backprop + minimax refine", {"method": "backprop", "refine": "minimax"}),
    ("uat backprop lbfgs", {"method": "backprop", "optimizer": "lbfgs"}),
    ("uat backprop adam", {"method": "backprop", "optimizer": "adam"}),
    ("uat lstsq", {"method": "lstsq"}),
]
PEERS = ["sklearn MLPRegressor lbfgs", "torch Adam", "torch LBFGS"]


class NotInstalled(Exception):
    pass


# --- helpers -------------------------------------------------------------------------------------------------

def _torch():
    try:
        import torch
    except ImportError as exc:
        raise NotInstalled("torch") from exc
    torch.set_num_threads(os.cpu_count() or 1)
    return torch


def _warning_text(caught) -> str:
    """'Category: message (xN)' for each distinct warning caught, shortened."""
    counts = {}
    for w in caught:
        text = f"{w.category.__name__}: {' '.join(str(w.message).split())[:110]}"
        counts[text] = counts.get(text, 0) + 1
    return "; ".join(f"{text} (x{n})" if n > 1 else text for text, n in counts.items())


def peer_sup_error(expr, g, X, steepest: float, width: int) -> float:
    """uat's sup-norm estimate for a peer's prediction function g, with the grid rule uat uses for its own
    networks (>= 2^16 + 1 points, >= 64 per unit, >= 16 per transition width) and the training argmax added."""
    n_points = min(max((1 << 16) + 1, 64 * width + 1, int(16 * steepest * 2) + 1), (1 << 18) + 1)
    errors = np.abs(np.asarray(g(X), dtype=float).reshape(-1) - _target_values(expr, X))
    return uat.sup_error(expr, g, DOMAIN, n_points=n_points, points=X[[int(np.argmax(errors))]]).value


def _target_values(expr, X):
    from uat.targets import as_target

    return np.asarray(as_target(expr, DOMAIN)(X), dtype=float).reshape(-1)


# --- part 1: the fits ----------------------------------------------------------------------------------------

def run_uat(options, expr, k, N, seed, max_iter):
    opts = dict(options)
    if max_iter is not None and opts["method"] == "backprop":
        opts["max_iter"] = max_iter
    start = time.perf_counter()
    result = uat.fit(expr, DOMAIN, width=k, n_samples=N, seed=seed, **opts)
    seconds = time.perf_counter() - start
    d = result.diagnostics
    if opts["method"] == "backprop":
        h = result.history
        updates = ~h["resolve_c"]  # the last entry may be variable projection's final least-squares C
        best = int(h["iteration"][updates][np.argmin(h["loss"][updates])])
        info = f"{d['iterations']} it, {d['status']}, best at it {best}"
        if h["resolve_c"].any():
            info += ", then least-squares C"
        if "path" in d:
            info += f", path {d['path']}"
        if "refine" in d:
            info += (f", refine {d['refine']['lp_rounds']} LP rounds x {d['refine']['sup_rounds']} sup estimates, "
                     f"max on its check set {d['refine']['check_max']:.3g}")
    else:
        info = f"rank {d['rank']}, {result.n_samples} points ({d['sampling']})"
    return result.sup_error().value, seconds, info


def run_sklearn(expr, k, N, seed, max_iter):
    try:
        from sklearn.neural_network import MLPRegressor
    except ImportError as exc:
        raise NotInstalled("scikit-learn") from exc
    X = np.linspace(-1, 1, N)[:, None]
    y = _target_values(expr, X)
    model = MLPRegressor(hidden_layer_sizes=(k,), activation="tanh", solver="lbfgs", max_iter=max_iter or 5000,
                         tol=1e-12, random_state=seed)
    start = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - start

    def g(Z):
        return model.predict(np.asarray(Z, dtype=float))

    steepest = float(np.max(np.abs(model.coefs_[0])))
    return peer_sup_error(expr, g, X, steepest, k), seconds, f"{model.n_iter_} it"


def _torch_net(torch, k, seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(1, k), torch.nn.Tanh(), torch.nn.Linear(k, 1)).double()


def _torch_predictor(torch, net):
    def g(Z):
        with torch.no_grad():
            return net(torch.from_numpy(np.ascontiguousarray(Z, dtype=np.float64))).numpy().reshape(-1)
    return g


def run_torch_adam(expr, k, N, seed, max_iter):
    torch = _torch()
    X = np.linspace(-1, 1, N)[:, None]
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(_target_values(expr, X)[:, None])
    steps = max_iter or 5000
    start = time.perf_counter()
    net = _torch_net(torch, k, seed)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    loss_fn = torch.nn.MSELoss()
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(net(Xt), Yt)
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - start
    steepest = float(net[0].weight.detach().abs().max())
    return peer_sup_error(expr, _torch_predictor(torch, net), X, steepest, k), seconds, f"{steps} steps"


def run_torch_lbfgs(expr, k, N, seed, max_iter):
    torch = _torch()
    X = np.linspace(-1, 1, N)[:, None]
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(_target_values(expr, X)[:, None])
    start = time.perf_counter()
    net = _torch_net(torch, k, seed)
    opt = torch.optim.LBFGS(net.parameters(), lr=1, max_iter=max_iter or 5000, tolerance_grad=1e-12,
                            tolerance_change=1e-14, history_size=50, line_search_fn="strong_wolfe")
    loss_fn = torch.nn.MSELoss()

    def closure():
        opt.zero_grad()
        loss = loss_fn(net(Xt), Yt)
        loss.backward()
        return loss

    opt.step(closure)
    seconds = time.perf_counter() - start
    state = opt.state[next(iter(net.parameters()))]
    steepest = float(net[0].weight.detach().abs().max())
    return (peer_sup_error(expr, _torch_predictor(torch, net), X, steepest, k), seconds,
            f"{state.get('n_iter', '?')} it, {state.get('func_evals', '?')} evals")


PEER_RUNNERS = {"sklearn MLPRegressor lbfgs": run_sklearn, "torch Adam": run_torch_adam,
                "torch LBFGS": run_torch_lbfgs}


def part1(N, seeds, max_iter, problems):
    """Rows of the sup-error table, the goal lines, the notes, and the raw results
    {(label, method): (Stats of sup errors, Stats of fit seconds)} (missing peers: None)."""
    rows, goals, notes, results = [], [], [], {}
    runners = [(name, lambda e, k, n, s, m, o=opts: run_uat(o, e, k, n, s, m)) for name, opts in UAT_VARIANTS]
    runners += [(name, PEER_RUNNERS[name]) for name in PEERS]
    with warnings.catch_warnings():  # warm-up, untimed: first-call costs (imports, torch's start-up) are not fits
        warnings.simplefilter("ignore")
        for _, runner in runners:
            try:
                runner(problems[0][1], 4, 64, 0, 5)
            except NotInstalled:
                pass
    for label, expr, k, goal in problems:
        for name, runner in runners:
            sups, times, infos, missing = [], [], [], None
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                for seed in seeds:
                    try:
                        sup, seconds, info = runner(expr, k, N, seed, max_iter)
                    except NotInstalled as exc:
                        missing = str(exc)
                        break
                    sups.append(sup)
                    times.append(seconds)
                    infos.append(info)
            if missing:
                rows.append([label, name, f"not installed ({missing})", "", "", ""])
                results[label, name] = None
                continue
            results[label, name] = (Stats(sups), Stats(times))
            med = statistics.median(sups)
            rows.append([label, name, f"{med:.3g}", f"{min(sups):.3g}-{max(sups):.3g}",
                         f"{statistics.median(times):.2f} s", infos[0]])
            if caught:
                notes.append(f"{label}, {name}: warnings: {_warning_text(caught)}")
            if name == "uat backprop (default)":
                ok_med = med <= goal and statistics.median(times) <= TIME_GOAL
                ok_all = max(sups) <= goal and max(times) <= TIME_GOAL
                goals.append(f"- {label}: goal sup error <= {goal:g} within {TIME_GOAL:g} s: median "
                             f"{med:.3g} in {statistics.median(times):.2f} s: **{'pass' if ok_med else 'FAIL'}** "
                             f"(every seed: {'pass' if ok_all else 'fail'}; worst {max(sups):.3g}, "
                             f"slowest {max(times):.2f} s; per seed: "
                             + ", ".join(f"seed {s}: {v:.3g} in {t:.2f} s" for s, v, t in zip(seeds, sups, times))
                             + ")")
                notes.append(f"{label}, uat backprop (default), seed {seeds[0]}: {infos[0]}")
    return rows, goals, notes, results


# --- part 2: one Adam step -----------------------------------------------------------------------------------

def uat_adam_step(k, N, M):
    r = uat.fit("sin2pi", width=k, method="backprop", optimizer="adam", init="glorot", n_samples=N, max_iter=M,
                seed=0)
    return float(np.median(np.diff(r.history["seconds"])))


def torch_adam_step(k, N, M, warmup=5):
    torch = _torch()
    X = np.linspace(-1, 1, N)[:, None]
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(np.sin(2 * np.pi * X))
    net = _torch_net(torch, k, 0)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    times = []
    for step in range(warmup + M):
        start = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(net(Xt), Yt)
        loss.backward()
        opt.step()
        if step >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def _ms(values):
    return Stats(values).fmt("s")


def part2(sizes, repeats):
    """Rows of the Adam-step table and {(k, N): (uat/torch paired Stats or None, goal)}."""
    rows, ratios = [], {}
    for k, N, M, goal in sizes:
        ours, theirs, missing = [], [], None
        for _ in range(repeats):
            ours.append(uat_adam_step(k, N, M))
            if missing is None:
                try:
                    theirs.append(torch_adam_step(k, N, M))
                except NotInstalled as exc:
                    missing = str(exc)
        if missing:
            rows.append([f"k = {k}, N = {N} ({M} steps)", _ms(ours), f"not installed ({missing})", "", f"<= {goal:g}",
                         ""])
            ratios[k, N] = (None, goal)
            continue
        ratio = Stats(ours).ratio(Stats(theirs))
        ratios[k, N] = (ratio, goal)
        rows.append([f"k = {k}, N = {N} ({M} steps)", _ms(ours), _ms(theirs), f"**{ratio.fmt('×')}**",
                     f"<= {goal:g}", f"**{'pass' if ratio.median <= goal else 'FAIL'}**"])
    return rows, ratios


# --- part 3: LM and varpro per iteration ---------------------------------------------------------------------

def part3(widths, N, max_iter, repeats):
    rows = []
    for k in widths:
        for optimizer in ("lm", "varpro"):
            cells, info = [], None
            for threads in (None, 1):
                per_iter = []
                for _ in range(repeats):
                    # from Glorot normals, with xtol = ftol = 0: every fit runs its max_iter iterations (from the
                    # least-squares start, LM at width >= 50 has nothing left to do and stops after one)
                    r = uat.fit("sin2pi", width=k, method="backprop", optimizer=optimizer, n_samples=N,
                                max_iter=max_iter, threads=threads, init="glorot", xtol=0.0, ftol=0.0)
                    per_iter.append(float(np.median(np.diff(r.history["seconds"]))))
                    if info is None:
                        d = r.diagnostics
                        info = (f"{d['iterations']} it, {d['status']}" + (f", path {d['path']}" if "path" in d else "")
                                + f", default threads = {d['threads']}")
                cells.append(_ms(per_iter))
            rows.append([k, optimizer, cells[0], cells[1], info])
    return rows


# --- the report ----------------------------------------------------------------------------------------------

def main(argv=None):
    args = parser(__doc__, repeats=5).parse_args(argv)
    with quick_threads(args.quick):
        _main(args)


def _main(args):
    if args.quick:
        N, seeds, max_iter, repeats = 128, [0], 20, 1
        problems = [(label, expr, 4, goal) for label, expr, _, goal in PROBLEMS]
        problems = [(label.split(",")[0] + ", k = 4", expr, k, goal) for label, expr, k, goal in problems]
        sizes = [(4, 128, 10, 1.0)]
        widths, lm_iter = (4,), 10
    else:
        N, seeds, max_iter, repeats = 1024, [0, 1, 2], None, args.repeats
        problems = PROBLEMS
        sizes = [(200, 1024, 200, 1.0), (1000, 10_000, 50, 0.5)]
        widths, lm_iter = (10, 50, 200), 100
    command = "python benchmarks/bench_backprop.py" + (" --quick" if args.quick else
                                                       f" --repeats {repeats}" if repeats != 5 else "")
    report = Report("bench_backprop.py", "Trained networks (backprop): sup error against peers, Adam step against "
                    "PyTorch", command, args.quick)
    rows1, goals, notes, results = part1(N, seeds, max_iter, problems)
    rows2, ratios = part2(sizes, repeats)
    rows3 = part3(widths, N, lm_iter, repeats)
    seed_text = ", ".join(map(str, seeds))
    for label, expr, k, goal in problems:
        short = label.split(",")[0].replace("\\", "")
        sup, seconds = results[label, "uat backprop (default)"]
        report.goal(f"backprop.{short[1]}.sup", f"{label.replace(chr(92), '')}, N = {N}: sup error of uat backprop "
                    f"(default), seeds {seed_text}", sup, "", "<=", goal, SOURCE)
        report.goal(f"backprop.{short[1]}.time", f"{label.replace(chr(92), '')}: fit time of uat backprop (default)",
                    seconds, "s", "<=", TIME_GOAL, SOURCE)
    for (k, N_step), (ratio, goal) in ratios.items():
        report.goal(f"backprop.adam.{k}", f"one full-batch Adam step, k = {k}, N = {N_step}: uat / PyTorch CPU "
                    "float64", ratio, "×", "<=", goal, SOURCE, "" if ratio is not None else "torch not installed")
    for label, expr, k, goal in problems:
        short = label.split(",")[0].replace("\\", "")
        ours = results[label, "uat backprop (default)"]
        for peer in PEERS:
            theirs = results[label, peer]
            slug = peer.split()[0].lower() + "_" + peer.split()[-1].lower()
            for i, (quantity, unit) in enumerate((("sup error", "×"), ("fit time", "×"))):
                report.goal(f"backprop.{short[1]}.{'sup' if i == 0 else 'time'}_vs_{slug}",
                            f"{short}, k = {k}: {quantity}, uat backprop (default) / {peer}",
                            None if theirs is None else ours[i].ratio(theirs[i]), unit, source="issue 7",
                            note="" if theirs is not None else "not installed")
    report.data["sup_errors"] = {f"{label} | {name}": (None if r is None else list(r[0].values))
                                 for (label, name), r in results.items()}
    try:
        torch_threads = (f"torch.set_num_threads({os.cpu_count()}) (explicit; get_num_threads() = "
                         f"{_torch().get_num_threads()})")
    except NotInstalled:
        torch_threads = "torch not installed"
    report.add(
        f"## 1. Sup error, N = {N} equispaced points on [-1, 1], tanh, seeds {seed_text}",
        "",
        "Sup error: uat.sup_error (the FitResult's for uat; on the peer's prediction function for the peers). "
        "Time: the fit alone, median over the seeds. Last column: seed " f"{seeds[0]}'s run (uat backprop: "
        "iterations, status, the iteration of the best training loss, which is the one returned).",
        "",
        *table(["problem", "method", "sup error (median)", "min-max", "fit time (median)", f"seed {seeds[0]}"],
               rows1),
        "",
        "Goals (uat backprop, default options):",
        "",
        *goals,
        "",
        "Notes:",
        "",
        *(f"- {note}" for note in notes),
        "- uat lstsq uses its own default sampling (Chebyshev points plus the 1-D transition points, hence more than "
        "N points); every backprop row trains on the N equispaced points (the method's default grid).",
        "- sklearn MLPRegressor keeps its default L2 penalty alpha = 1e-4 (as specified); torch Adam returns the "
        "last iterate, uat the best iterate seen.",
        "",
        "## 2. One full-batch Adam step (n = m = 1, tanh, sin 2πx), uat vs PyTorch",
        "",
        f"uat: median of np.diff(history['seconds']) of uat.fit(..., optimizer='adam', init='glorot', max_iter=M); "
        f"torch: median of M timed steps after 5 warm-up steps. Median [min-max] over {repeats} repeats, "
        "alternating uat, torch; the ratio is paired, repeat by repeat.",
        "",
        *table(["size", "uat per step", "torch per step", "uat/torch", "goal", "result"], rows2),
        "",
        f"## 3. Levenberg–Marquardt and varpro, ms per iteration (N = {N}, sin 2πx, max_iter = {lm_iter})",
        "",
        f"Median of np.diff(history['seconds']) per fit (init='glorot', xtol = ftol = 0, so that every fit runs "
        f"max_iter iterations); median [min-max] over {repeats} fits.",
        "",
        *table(["width", "optimizer", "default threads", "threads=1", "run"], rows3),
        "",
        f"Threads: {torch_threads}; uat.fit runs its methods with every BLAS pool single-threaded and its own row-block "
        "thread pool; sklearn runs on numpy's default BLAS threads.",
    )
    report.finish(args)


if __name__ == "__main__":
    main()
