"""Deep networks (issue 13): one full-batch Adam step against PyTorch, and the sup error at equal parameter count.

Part 1, one full-batch Adam step at hidden widths [64, 64], N = 4096 equispaced points on [-1, 1], n = m = 1,
tanh, target sin 2πx, float64 CPU, at 1 and 2 threads. Goal: uat's time <= 1.0x PyTorch's at each.
  uat: ``uat.fit(..., width=[64, 64], method='backprop', optimizer='adam', n_samples=4096, max_iter=M,
  threads=T)``; a step is the median difference of the history's seconds (recorded after each update: the
  loss and hand-written gradient of uat.fitting.deep_gradients, Adam's update, the monitor's bookkeeping).
  uat.fit runs every BLAS pool on one thread and its row blocks on T threads (uat/_threads.py); the call
  also sits inside threadpoolctl's ``threadpool_limits(T)``.
  PyTorch: ``Sequential(Linear(1, 64), Tanh(), Linear(64, 64), Tanh(), Linear(64, 1)).double()``, uat's loss
  ``((net(X) - Y)**2).sum(1).mean()``, ``zero_grad(set_to_none=True)``, ``loss.backward()``,
  ``torch.optim.Adam(lr=1e-3).step()``; ``torch.set_num_threads(T)``; the median of M timed steps after 5
  untimed ones.
  The two alternate round by round (the order swapped every round); ratios are paired per round.

Part 2, the sup error at equal parameter count, seeds 0, 1, 2 (median [min-max]), on
  sin 2πx and Runge on [-1, 1] (tanh; the smooth targets of the goal), |x - 0.3| on [-1, 1] and Telgarsky's
  sawtooth g_5 on [0, 1] (relu; g_5 = uat.sawtooth(5), the exact DeepNetwork, as a Target with Lipschitz
  constant 2^5). Per target and seed:
  * uat deep: ``uat.fit(target, domain, width=[w, w], method='backprop', activation=σ, seed=s)`` (the deep
    default optimizer, lm), w = 8 by default (--width);
  * PyTorch L-BFGS on the SAME architecture, Sequential(Linear(1, w), σ, Linear(w, w), σ, Linear(w, 1)),
    float64, on the same training points (uat.fitting.training.trained_set of the deep fit's problem: 2048
    equispaced points), uat's loss, torch.optim.LBFGS(lr=1, max_iter=5000, history_size=100, strong Wolfe,
    tolerance_grad = tolerance_change = 0: it runs its budget; the defaults of uat's torch_lbfgs peer),
    torch's default initialisation after torch.manual_seed(s), the best parameters seen kept;
  * uat shallow: ``uat.fit(target, domain, width=k, method='backprop', activation=σ, seed=s)`` (varpro) with
    k = the nearest width whose 3k parameters match the deep network's count.
  Every sup error is ``uat.sup_error(target, network, domain)`` on a network: uat's own, and a
  uat.DeepNetwork built from torch's trained weights. Times are the fit alone (uat.fit's wall clock; torch's
  training loop), every fit on one thread (uat threads=1, torch.set_num_threads(1): the thread count changes
  no uat result).
  Goal (smooth targets): PyTorch L-BFGS's sup error >= 100x uat deep backprop's, median of the per-seed ratios.
  Sawtooth, besides: the construction uat.sawtooth(5) (58 parameters, exact), uat backprop at its own
  architecture (hidden widths [3, 3, 3, 3, 3]), and uat shallow backprop at width 19 (57 parameters): every
  one-hidden-layer ReLU network of k <= 2^5 - 2 = 30 units has sup error >= 1/2 against g_5.

torch is optional: its rows say "not installed" when it is missing.

Usage: python benchmarks/bench_deep.py [--quick] [--repeats R] [--width W] [--out FILE] [--json FILE]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

import uat
from uat.fitting.base import check_width, fit_problem, fit_target
from uat.fitting.training import trained_set

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Report, Stats, parser, quick_threads, table  # noqa: E402

SOURCE = "issue 13"
SMOOTH_GOAL = 100.0  # PyTorch L-BFGS's sup error / uat deep backprop's, at least
STEP_GOAL = 1.0  # uat / PyTorch time of one Adam step, at most
SAW = 5  # Telgarsky's g_s


class NotInstalled(Exception):
    pass


def _torch(threads: int):
    try:
        import torch
    except ImportError as exc:
        raise NotInstalled("torch") from exc
    torch.set_num_threads(threads)
    return torch


def sawtooth_target():
    """g_5 on [0, 1]: the library target telgarsky5 (closed form, Lipschitz 2^5), which uat.sawtooth(5) computes."""
    return uat.targets.get_target(f"telgarsky{SAW}")


def cases():
    """(slug, label, target, domain, σ, smooth) of part 2."""
    return [("sin2pi", "sin 2πx", "sin2pi", "[-1,1]", "tanh", True),
            ("runge", "Runge 1/(1+25x²)", "runge", "[-1,1]", "tanh", True),
            ("kink", "\\|x − 0.3\\|", "abs(x - 0.3)", "[-1,1]", "relu", False),
            ("sawtooth", f"sawtooth g_{SAW}", sawtooth_target(), None, "relu", False)]


# --- part 1: one Adam step ------------------------------------------------------------------------------------

def uat_step(widths, N, M, threads) -> float:
    with threadpool_limits(limits=threads):
        r = uat.fit("sin2pi", width=list(widths), method="backprop", optimizer="adam", n_samples=N, max_iter=M,
                    threads=threads, seed=0)
    return float(np.median(np.diff(r.history["seconds"])))


def torch_mlp(torch, widths, sigma, seed):
    """Sequential(Linear(1, N_1), σ, …, Linear(N_{L−1}, 1)) in float64, torch's default initialisation."""
    layers, sizes = [], (1, *widths, 1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for i, (cols, rows) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(torch.nn.Linear(cols, rows, dtype=torch.float64))
            if i < len(widths):
                layers.append({"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[sigma]())
    return torch.nn.Sequential(*layers)


def torch_step(widths, N, M, threads, warmup=5) -> float:
    torch = _torch(threads)
    X = np.linspace(-1, 1, N)[:, None]
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(np.sin(2 * np.pi * X))
    net = torch_mlp(torch, widths, "tanh", 0)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    times = []
    for step in range(warmup + M):
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = ((net(Xt) - Yt) ** 2).sum(dim=1).mean()
        loss.backward()
        opt.step()
        if step >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def part1(widths, N, M, rounds, thread_counts):
    """{threads: (uat Stats, torch Stats or None)}, uat and torch alternating round by round."""
    out = {}
    for threads in thread_counts:
        ours, theirs, missing = [], [], False
        for i in range(rounds):
            order = ("uat", "torch") if i % 2 == 0 else ("torch", "uat")
            for who in order:
                if who == "uat":
                    ours.append(uat_step(widths, N, M, threads))
                elif not missing:
                    try:
                        theirs.append(torch_step(widths, N, M, threads))
                    except NotInstalled:
                        missing = True
        out[threads] = (Stats(ours), None if missing else Stats(theirs))
    return out


# --- part 2: sup error at equal parameters --------------------------------------------------------------------

def training_points(target, domain, widths, sigma, seed):
    """The points uat's deep backprop trains on for this seed (trained_set of its problem), and f there."""
    the_target = fit_target(target, domain)
    problem, _, _ = fit_problem(the_target, check_width(list(widths)), sigma, "backprop", {}, seed)
    samples = trained_set(problem)
    return the_target, samples.X, samples.Y


def run_uat(target, domain, width, sigma, seed, max_iter):
    opts = {} if max_iter is None else {"max_iter": max_iter}
    r = uat.fit(target, domain, width=width, method="backprop", activation=sigma, seed=seed, threads=1, **opts)
    d = r.diagnostics
    info = f"{d['optimizer']}, {d['iterations']} it, {d['status']}, {r.n_samples} points ({d['sampling']})"
    return r.network, r.fit_seconds, info


def _lbfgs_fit(torch, net, Xt, Yt, max_iter):
    """torch.optim.LBFGS from net's weights; the best parameters seen are loaded at the end. (iterations, evals)."""
    params = list(net.parameters())
    opt = torch.optim.LBFGS(params, lr=1, max_iter=max_iter, history_size=100, line_search_fn="strong_wolfe",
                            tolerance_grad=0.0, tolerance_change=0.0)
    best = {"loss": np.inf, "values": None}

    def closure():
        opt.zero_grad(set_to_none=True)
        loss = ((net(Xt) - Yt) ** 2).sum(dim=1).mean()
        value = float(loss.detach())
        if np.isfinite(value) and value < best["loss"]:
            best.update(loss=value, values=[p.detach().clone() for p in params])
        loss.backward()
        return loss

    opt.step(closure)
    if best["values"] is not None:
        with torch.no_grad():
            for p, v in zip(params, best["values"]):
                p.copy_(v)
    state = opt.state[params[0]]
    return int(state.get("n_iter", 0)), int(state.get("func_evals", 0))


def run_torch(X, Y, widths, sigma, seed, max_iter):
    torch = _torch(1)
    Xt, Yt = torch.from_numpy(np.array(X, dtype=np.float64)), torch.from_numpy(np.array(Y, dtype=np.float64))
    start = time.perf_counter()
    net = torch_mlp(torch, widths, sigma, seed)
    iterations, evals = _lbfgs_fit(torch, net, Xt, Yt, max_iter)
    seconds = time.perf_counter() - start
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    weights = [m.weight.detach().numpy().astype(np.float64, copy=True) for m in linears]
    biases = [m.bias.detach().numpy().astype(np.float64, copy=True) for m in linears]
    return uat.DeepNetwork(weights, biases, activation=sigma), seconds, f"{iterations} it, {evals} evals"


def sup_of(target, network, domain) -> float:
    return float(uat.sup_error(target, network, domain).value)


def _case(target, domain, sigma, w, seeds, max_iter, torch_iter):
    """{contender: (sup errors, seconds, first info, n_params) or None (not installed)} for one target."""
    k = max(1, round((w * w + 4 * w + 1) / 3))  # [w, w] from 1 to 1: w² + 4w + 1 parameters; shallow: 3k
    rows = {"uat deep": [], "torch L-BFGS deep": [], "uat shallow": []}
    missing = False
    for seed in seeds:
        the_target, X, _ = training_points(target, domain, (w, w), sigma, seed)
        Y = the_target(X)
        net, sec, info = run_uat(target, domain, [w, w], sigma, seed, max_iter)
        rows["uat deep"].append((sup_of(target, net, domain), sec, info, net.n_params))
        if not missing:
            try:
                net, sec, info = run_torch(X, Y, (w, w), sigma, seed, torch_iter)
                rows["torch L-BFGS deep"].append((sup_of(target, net, domain), sec, info, net.n_params))
            except NotInstalled:
                missing = True
        net, sec, info = run_uat(target, domain, k, sigma, seed, max_iter)
        rows["uat shallow"].append((sup_of(target, net, domain), sec, info, net.n_params))
    if missing:
        rows["torch L-BFGS deep"] = None
    return {name: None if r is None else (Stats([x[0] for x in r]), Stats([x[1] for x in r]), r[0][2], r[0][3])
            for name, r in rows.items()}


def sawtooth_extras(seeds, max_iter):
    """The construction, uat backprop at its architecture, and a shallow ReLU net under 2^s − 2 units."""
    target, construction = sawtooth_target(), uat.sawtooth(SAW)
    out = {"construction uat.sawtooth(5)": (Stats([sup_of(target, construction, None)]), None, "exact by "
                                            "construction", construction.n_params)}
    hidden = list(construction.widths[1:-1])
    k = construction.n_params // 3  # 3k <= the construction's parameters
    for name, width in ((f"uat deep, hidden widths {hidden}", hidden), (f"uat shallow, k = {k}", k)):
        sups, secs, info, n = [], [], None, None
        for seed in seeds:
            net, sec, text = run_uat(target, None, width, "relu", seed, max_iter)
            sups.append(sup_of(target, net, None))
            secs.append(sec)
            info, n = info or text, net.n_params
        out[name] = (Stats(sups), Stats(secs), info, n)
    return out, k


def part2(w, seeds, max_iter, torch_iter):
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarnings of short runs; the table shows each fit's status
        for slug, label, target, domain, sigma, smooth in cases():
            results[label] = (_case(target, domain, sigma, w, seeds, max_iter, torch_iter), sigma, smooth, slug)
        extras, k_saw = sawtooth_extras(seeds, max_iter)
    return results, extras, k_saw


# --- the report ----------------------------------------------------------------------------------------------

def _fmt_sup(stats: Stats) -> str:
    return f"{stats.median:.3g}" + (f" [{stats.min:.3g}-{stats.max:.3g}]" if stats.n > 1 else "")


def step_rows(report, steps, widths, N):
    rows = []
    for threads, (ours, theirs) in steps.items():
        ratio = None if theirs is None else ours.ratio(theirs)
        report.goal(f"deep.adam.t{threads}", f"one full-batch Adam step, widths {list(widths)}, N = {N}, {threads} "
                    f"thread{'s' if threads > 1 else ''}: uat / PyTorch CPU float64", ratio, "×", "<=", STEP_GOAL,
                    SOURCE, "" if ratio is not None else "torch not installed")
        rows.append([threads, ours.fmt("s"), "not installed" if theirs is None else theirs.fmt("s"),
                     "" if ratio is None else f"**{ratio.fmt('×')}**", f"<= {STEP_GOAL:g}",
                     "" if ratio is None else f"**{'pass' if ratio.median <= STEP_GOAL else 'FAIL'}**"])
    return rows


def sup_rows(report, results, w):
    rows = []
    for label, (res, sigma, smooth, slug) in results.items():
        plain = label.replace("\\", "")
        for name, r in res.items():
            if r is None:
                rows.append([label, sigma, name, "", "not installed", "", ""])
                continue
            sups, secs, info, n = r
            rows.append([label, sigma, name, n, _fmt_sup(sups), secs.fmt("s"), info])
        ours, theirs, shallow = res["uat deep"], res["torch L-BFGS deep"], res["uat shallow"]
        ratio = None if theirs is None else theirs[0].ratio(ours[0])
        what = f"{plain}, [{w}, {w}] {sigma}: sup error, PyTorch L-BFGS / uat deep backprop (same architecture)"
        if smooth:
            report.goal(f"deep.sup.{slug}", what, ratio, "×", ">=", SMOOTH_GOAL, SOURCE,
                        "" if ratio is not None else "torch not installed")
        else:
            report.goal(f"deep.sup.{slug}", what, ratio, "×", source=SOURCE,
                        note="" if ratio is not None else "torch not installed")
        report.goal(f"deep.shallow.{slug}", f"{plain}: sup error, uat shallow (k = {shallow[3] // 3}) / uat deep "
                    f"[{w}, {w}] at equal parameters", shallow[0].ratio(ours[0]), "×", source=SOURCE)
    return rows


def extra_rows(extras):
    return [[name, n, _fmt_sup(sups), "—" if secs is None else secs.fmt("s"), info]
            for name, (sups, secs, info, n) in extras.items()]


def main(argv=None):
    p = parser(__doc__, repeats=9)
    p.add_argument("--width", type=int, default=8, help="hidden width w of the deep networks [w, w] in part 2")
    args = p.parse_args(argv)
    with quick_threads(args.quick):
        _main(args)


def _main(args):
    if args.quick:
        widths, N, M, rounds, threads = (8, 8), 256, 5, 1, (1,)
        w, seeds, max_iter, torch_iter = 2, [0], 5, 5
    else:
        widths, N, M, rounds, threads = (64, 64), 4096, 60, args.repeats, (1, 2)
        w, seeds, max_iter, torch_iter = args.width, [0, 1, 2], None, 5000
    command = "python benchmarks/bench_deep.py" + (" --quick" if args.quick else "".join(
        [f" --repeats {rounds}" if rounds != 9 else "", f" --width {w}" if w != 8 else ""]))
    report = Report("bench_deep.py", "Deep networks: Adam step against PyTorch, sup error at equal parameters",
                    command, args.quick)
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    steps = part1(widths, N, M, rounds, threads)
    results, extras, k_saw = part2(w, seeds, max_iter, torch_iter)
    rows1 = step_rows(report, steps, widths, N)
    rows2 = sup_rows(report, results, w)
    seed_text = ", ".join(map(str, seeds))
    report.data["sup_errors"] = {f"{label} | {name}": None if r is None else list(r[0].values)
                                 for label, (res, *_) in results.items() for name, r in res.items()}
    report.data["steps"] = {str(t): [list(o.values), None if s is None else list(s.values)]
                            for t, (o, s) in steps.items()}
    report.add(
        f"## 1. One full-batch Adam step, widths {list(widths)}, N = {N}, tanh, sin 2πx, float64 CPU",
        "",
        f"uat: median of np.diff(history['seconds']) of uat.fit(..., optimizer='adam', max_iter={M}, threads=T) "
        f"(BLAS pinned to one thread inside, row blocks on T threads); PyTorch: median of {M} timed steps after 5 "
        f"warm-up steps, torch.set_num_threads(T). Median [min-max] over {rounds} rounds, uat and PyTorch "
        "alternating (order swapped every round); the ratio is paired per round. Load average (1, 5, 15 min) at "
        f"the start: {'n/a' if load is None else ', '.join(f'{x:.2f}' for x in load)} (the end's is under Machine): "
        "other work on the machine disturbs the timings, PyTorch's two OpenMP threads most.",
        "",
        *table(["threads T", "uat per step", "PyTorch per step", "uat/PyTorch", "goal", "result"], rows1),
        "",
        f"## 2. Sup error at equal parameter count, seeds {seed_text} (median [min-max])",
        "",
        "Sup error: uat.sup_error(target, network, domain) on each network (torch's converted to a "
        "uat.DeepNetwork). Time: the fit alone, median over the seeds, one thread each. Last column: seed "
        f"{seeds[0]}'s run. Deep networks have hidden widths [{w}, {w}]; the shallow one the width of about as "
        "many parameters.",
        "",
        *table(["target", "σ", "method", "parameters", "sup error", "fit time", f"seed {seeds[0]}"], rows2),
        "",
        f"Depth separation on g_{SAW} (relu; every one-hidden-layer ReLU network of k <= {2**SAW - 2} units has sup "
        f"error >= 1/2, and k = {k_saw} here):",
        "",
        *table(["network", "parameters", "sup error", "fit time", f"seed {seeds[0]}"], extra_rows(extras)),
    )
    report.finish(args)


if __name__ == "__main__":
    main()
