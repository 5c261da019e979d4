"""Training all of A, b, C (or every layer of a deep network): the ``backprop`` fitting method and its optimizers.

Gradients and Jacobians come from :mod:`uat.fitting.gradients` (:mod:`uat.fitting.deep_gradients` for deep
networks; written by hand). Every optimizer
is full batch and minimises the mean squared error L on the training points:

* ``gd``: plain gradient descent, θ ← θ − lr ∇L (the lecture's);
* ``momentum``: heavy ball, v ← β v − lr ∇L, θ ← θ + v;
* ``adam``: Adam (Kingma & Ba) with bias correction;
* ``lbfgs``: scipy's L-BFGS-B with the analytic gradient;
* ``lm``: Levenberg–Marquardt on all of θ with the analytic Jacobian (Marquardt's diagonal
  scaling, Nielsen's update of the damping), steps from the damped normal equations by Cholesky;
* ``varpro`` (default): variable projection. C is eliminated: for given A, b it is the
  least-squares solution on the features, so only A, b are optimised, by Levenberg–Marquardt with
  Kaufman's Jacobian of the projected residual. Where variable projection stops short of a target
  or the iteration budget (converged, or stalled: no decrease at any damping, as measured on
  non-smooth targets), full LM continues from its (A, b, C) with the remaining budget. Finally C is
  re-solved by plain least squares for the best A, b and for the initial A, b, and kept where that at
  least halves the training loss; so the fit never ends more than 2x (in loss) above least squares
  on its starting hidden layer. ``diagnostics['path']`` says which phases ran,
  ``diagnostics['phases']`` what each did. A warm-start network's C is replaced by least squares.
  A kept re-solve is the history's last entry, marked ``history['resolve_c']`` (at the last
  iteration's number: it is no update), with its sup error when ``checkpoint_every`` is set: measured
  with ``init='glorot', checkpoint_every=200`` on sin 2πx at width 10, the iterates sit at RMS 1.2e-3
  and sup error 5e-3 for 1000 iterations, and the re-solve takes the loss from 1.4e-6 to 6e-14 and
  the sup error to 1.4e-6; without that entry the curve would hide where the accuracy comes from.

Variable projection's least squares carries a small ridge (``ridge`` = 1e-14, on ‖C‖²): plain least
squares on nearly dependent tanh features gave coefficients of 1e11 (width 50), where the projected
residual is not smooth and LM stalled within 20 iterations (sup error 9.9e-4 on sin 2πx + ½|x| at
width 50, against 2.6e-4 with the ridge; median of seeds 0–2). The ridge costs accuracy where least squares alone is already
near rounding (sin 2πx at width 64): the final plain least-squares C recovers it.

Defaults, measured (N = 1024 points on [-1, 1], tanh, median over seeds 0, 1, 2; reproduce with
``python benchmarks/bench_backprop.py``): sup error 1.5e-6 on sin 2πx at width 10 (the median over
seeds 0–11 is the same, 1.5e-6; it was 7.9e-7 on seeds 0–2 and 1.5e-6 on 0–11 before the 1-D
transition points of the draw were spread evenly) and 2.6e-4 on sin 2πx + ½|x| at width 50, in
under 4 s each. Training points are equispaced by default on boxes of dimension <= 3 (Sobol'
beyond): on the kink of ½|x| Chebyshev points leave gaps 1.6x wider at the centre, and trained steep
units use such gaps (sup error 4.3e-4 with Chebyshev points, 2.6e-4 with equispaced ones).

``refine='minimax'`` re-solves C after training to minimise the maximum error on the training
points and a finer check set (:mod:`uat.fitting.minimax`), A and b kept, with the sup-norm estimate
in the loop: where :func:`uat.sup_error` finds a larger error than the check set saw (a kink of f
between check points), its argmax joins the check set and the LP is solved again (up to 4 times);
the network with the smallest estimated sup error is kept, the unrefined one included. Measured
(median of seeds 0, 1, 2): sin 2πx + ½|x| at width 50, sup error 2.6e-4 → 8.6e-5 (with the draw of
independent transition points 2.8e-4 → 1.1e-4, and 1.4e-4 without the estimate in the loop: the
kink at 0 lay between check points); sin 2πx at width 10, 1.5e-6 → 1.0e-6.

``diagnostics['loss']`` is the training loss of the network returned (after any re-solve or
refinement), ``diagnostics['optimizer_loss']`` that of the optimizer's last iterate.

Targets whose values reach beyond [2⁻¹⁰⁰, 2¹⁰⁰] (1e200·sin x) are trained on Y / s, s the power of two at
max|Y| (exact), and the network's C is multiplied back by s: the mean squared error of Y itself would
overflow (or underflow) float64. ``diagnostics['y_scale']`` is then s, and the losses reported
(``loss``, ``final_loss``, the history, ``target_rms``'s threshold) are those of Y / s. Other targets
are trained as they are, so their results do not depend on this.

Every optimizer keeps the best parameters seen (lowest training loss). A non-finite loss ends the fit
with status ``diverged``, a :class:`~uat.exceptions.ConvergenceWarning` and those parameters; NaNs are
never returned. Stopping: ``max_iter`` updates (default per optimizer), a ``max_seconds`` wall-clock
budget (the result then depends on the machine's speed; off by default so that studies are
reproducible), ``gtol`` on the gradient's largest entry, ``xtol``/``ftol`` on the step and loss
decrease (Gauss–Newton methods; ``ftol`` also L-BFGS), and ``target_rms`` on the training RMS error.

Threads: the gradient and Jacobian are computed in row blocks on a pool of Python threads, each
block's BLAS on one thread (``uat.fit`` runs every BLAS pool, numpy's and scipy's, single-threaded;
see :mod:`uat._threads`). The pools matter: LM per iteration at width 50, N = 1024, measured
1.8 ms this way against 8.0 ms with both pools left at their defaults (varpro at width 200: 23 ms
against 42 ms). Neither the number of row-block threads nor the machine's core count changes a result.

Deep networks: a list ``width=[N_1, …, N_{L−1}]`` (:func:`uat.fitting.base.check_width`) trains a
:class:`~uat.deep.DeepNetwork` of those hidden widths, σ in every hidden layer and none at the output
(Kutyniok's Φ), on :class:`uat.fitting.deep_gradients.DeepObjective` with the same optimizers (gd,
momentum, adam, lbfgs and lm take either objective; varpro a split of θ, below). The training points are the shallow fit's
(equispaced on boxes up to dimension 3, n_samples default max(2048, 4·max N_ℓ)). θ₀ is drawn from the
seed's draw stream after its (unused) draw of A, b, so a seed gives the same network bit for bit:
W[ℓ] ~ N(0, 2/N_{ℓ−1}) (He) for σ with kinks (relu-like), N(0, 2/(N_{ℓ−1} + N_ℓ)) (Glorot) otherwise;
b[1] = −W[1] p for uniform random points p of K, so that each first-layer unit's hyperplane passes
through a point of K (its kink, or tanh's centre, lies in K rather than all at 0, which may not even be
in K), the other biases 0. Measured with lm, 300 iterations, on sin 2πx at [16, 16], seeds 0, 1, 2:
sup error 7.8e-2, 2.0e-1, 2.0e-1 with all biases 0 against 4.0e-2, 7.5e-2, 4.0e-2 with b[1] through
points of K (relu), and 1.4e-4, 4.1e-4, 1.3e-3 against 2.9e-5, 3.5e-4, 8.6e-5 (tanh). ``init='draw'``
(the default) picks He or Glorot by σ, ``'he'`` and ``'glorot'`` force one; ``diagnostics['init']``
names the rule used. ``refine='minimax'`` and a ShallowNetwork warm start are written for one hidden
layer and are refused for a list width; a DeepNetwork of the same architecture is a deep fit's warm start
(``init=result.network``). ``output_activation`` (list widths only) puts σ_out after the last affine map.
``FitResult.width`` is then the tuple (N_1, …, N_{L−1}).

Variable projection of a deep network (``optimizer='varpro'``, no output activation): Φ is linear in its
last affine map, so (W[L], b[L]) plays C's part, solved by the same ridge least squares on the features
√ŵ (a[L−1], 1) (:class:`uat.fitting.deep_varpro.LastLayerSplit`), and Levenberg–Marquardt moves layers
1, …, L − 1 with Kaufman's Jacobian; then full LM, and the plain least-squares re-solve of (W[L], b[L]),
exactly as for one hidden layer (the same ``ridge``, ``rcond``, ``fallback``; a warm start's last layer is
replaced by least squares). With σ_out Φ is not linear in (W[L], b[L]): varpro is refused.

The deep default optimizer is ``varpro`` (``lm`` where ``output_activation`` is given, which varpro
refuses), measured with ``python benchmarks/deep_optimizers.py`` (its output is
benchmarks/deep_optimizers.md): widths [16, 16] and [8, 8], tanh and relu, on sin 2πx, Runge and
|x − 0.3| on [-1, 1], seeds 0, 1, 2, every other option at its default (N = 2048 equispaced points, the
max_iter of each optimizer); times on 2 shared cores. Median sup error over the seeds:

    widths    σ     target     adam     lbfgs    lm       varpro   (varpro's time, lm's)
    [16, 16]  tanh  sin 2πx    5.0e-3   4.5e-4   2.9e-5   3.6e-7   (15 s, 12 s)
    [16, 16]  tanh  Runge      7.3e-4   1.3e-5   1.4e-7   2.4e-8   (15 s, 12 s)
    [16, 16]  tanh  |x − 0.3|  3.0e-2   4.2e-3   5.6e-4   3.2e-4   (15 s, 11 s)
    [16, 16]  relu  sin 2πx    4.3e-2   4.3e-2   4.0e-2   2.0e-2   (4 s, 3 s)
    [16, 16]  relu  Runge      1.7e-2   4.9e-3   5.6e-3   6.5e-3   (1 s, 6 s)
    [16, 16]  relu  |x − 0.3|  2.4e-3   2.0e-4   2.4e-4   3.0e-4   (15 s, 0.4 s)
    [8, 8]    tanh  sin 2πx    6.5e-3   1.0e-3   4.0e-5   3.1e-6   (3.5 s, 2.5 s)
    [8, 8]    tanh  Runge      1.4e-3   9.1e-6   3.0e-7   3.2e-7   (2.9 s, 1.9 s)
    [8, 8]    tanh  |x − 0.3|  4.0e-2   4.0e-3   7.2e-4   4.2e-4   (3.5 s, 2.3 s)
    [8, 8]    relu  sin 2πx    9.2e-2   2.0e-1   4.4e-2   7.3e-2   (0.6 s, 0.2 s)
    [8, 8]    relu  Runge      2.9e-2   2.1e-2   2.0e-2   1.0e-2   (0.7 s, 0.9 s)
    [8, 8]    relu  |x − 0.3|  1.4e-3   3.0e-4   4.6e-4   8.7e-5   (3.1 s, 0.1 s)

varpro has the lowest median in 8 of the 12 rows and the lowest error in 26 of the 36 fits (lm 9, lbfgs
1, adam 0); on tanh it is 1.7 to 80 times below lm except on Runge at [8, 8] (a tie), on relu lbfgs, lm and
varpro stay within a factor 6 of each other. Before variable projection was written for deep networks
the default was lm (the lm column).

With ``init='draw'`` (an int width) every optimizer starts at the least-squares fit and keeps the best parameters
it sees, so it never ends above least squares on the same points. First-order methods rarely
improve on that start: its coefficients are large (nearly dependent features), and a learning rate
that is safe there moves nothing (measured: Adam's best iterate on sin 2πx + ½|x| at width 50 was
its start). ``init='glorot'`` shows classical training from scratch.
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from functools import partial

import numpy as np
import scipy.linalg
from scipy.optimize import minimize

from uat._validation import check_choice, check_int, check_real, read_only
from uat.errornorm import power_of_two, scale_weights
from uat.exceptions import ConvergenceWarning
from uat.activations import Activation, get_activation
from uat.deep import DeepNetwork
from uat.fitting.base import Fitted, Method, Option, Problem, as_given, optional, register_method
from uat.fitting.deep_gradients import DeepObjective, pack_layers
from uat.fitting.deep_varpro import LastLayerSplit
from uat.fitting.gradients import Objective, pack, require_derivative
from uat.fitting.lstsq import default_solver, lstsq_solve
from uat.fitting.minimax import minimax_rcond
from uat.fitting.status import status_facts, status_text
from uat.fitting.training import DRAW_OPTIONS, TrainingSet, check_bool, check_set, trained_sampling, trained_set
from uat.network import ShallowNetwork, hidden_features

__all__ = ["OPTIMIZERS", "INITS", "BACKPROP_OPTIONS", "trained_sampling", "watch_updates"]

OPTIMIZERS = {
    "gd": "plain gradient descent with a fixed learning rate",
    "momentum": "gradient descent with heavy-ball momentum",
    "adam": "Adam with bias correction",
    "lbfgs": "scipy's L-BFGS-B with the analytic gradient",
    "lm": "Levenberg–Marquardt on A, b, C with the analytic Jacobian",
    "varpro": "variable projection: C by least squares inside, LM on A, b; full LM continues where it stops",
}

INITS = {
    "draw": "A, b from the random-feature draw of the same seed (method 'lstsq' starts there too), "
            "C by least squares on them",
    "glorot": "Glorot normal: A ~ N(0, 2/(n+k)), C ~ N(0, 2/(k+m)), b = 0",
    "he": "He normal: A ~ N(0, 2/n), C ~ N(0, 2/k), b = 0",
}

#: Targets whose largest |value| lies in this range are trained as they are; others on Y / 2^e (module docstring).
_Y_RANGE = (2.0**-100, 2.0**100)
_MAX_ITER = {"gd": 10000, "momentum": 10000, "adam": 10000, "lbfgs": 5000, "lm": 1000, "varpro": 1000}
_LR = {"gd": 0.1, "momentum": 0.01, "adam": 1e-3}
#: What the optimizers take: a shallow or a deep objective (the same methods: loss, loss_grad, residuals, jacobian).
Objectives = Objective | DeepObjective
_DEEP_OPTIMIZER = "varpro"  # the default optimizer of a deep fit (module docstring: measured); lm with σ_out
_JACOBIAN_LIMIT = 1 << 26  # entries of a Gauss–Newton Jacobian (512 MiB)


class _Stop(Exception):
    """Raised by the monitor to end an optimizer's loop."""


_WATCHERS = threading.local()


@contextlib.contextmanager
def watch_updates(report):
    """Within this context, on this thread, every update of a backprop fit calls ``report(iteration, loss,
    seconds)``: for progress, and to stop the fit, by raising :class:`~uat.exceptions.FitCancelled` (which
    propagates out of ``uat.fit``, leaving no result). The fit itself is unchanged: same updates, same bits."""
    previous = getattr(_WATCHERS, "report", None)
    _WATCHERS.report = report
    try:
        yield
    finally:
        _WATCHERS.report = previous


class Monitor:
    """Records the loss history, keeps the best parameters, and decides when to stop.

    ``record(theta, loss)`` is called once per update with the new parameters and their loss; it
    raises :class:`_Stop` when a stopping rule fires (the reason is in ``outcome``, a word of
    :data:`uat.fitting.status.STATUSES` and its detail, and ``status``, as text). ``resolve(theta,
    loss)`` records variable projection's final least-squares C, which is no update.
    """

    def __init__(self, *, max_iter, max_seconds, target_loss, checkpoint=None, checkpoint_every=None):
        self.max_iter, self.max_seconds, self.target_loss = max_iter, max_seconds, target_loss
        self.checkpoint, self.checkpoint_every = checkpoint, checkpoint_every
        self.iteration = 0
        self.best_loss, self.best_theta = np.inf, None
        self.optimizer_loss = np.nan  # the loss of the optimizer's latest iterate
        self.history = {"iteration": [], "loss": [], "seconds": [], "resolve_c": []}
        self.checkpoints = {"iteration": [], "sup_error": [], "seconds": [], "resolve_c": []}
        self.outcome = None  # (word, detail) once the fit has ended
        self._start = time.perf_counter()
        self._paused = 0.0  # seconds spent on checkpoints, not counted as training

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self._start - self._paused

    @property
    def status(self) -> str | None:
        """How the fit ended, as text (:func:`uat.fitting.status.status_text`); None while it runs."""
        return None if self.outcome is None else status_text(*self.outcome)

    def start(self, theta, loss):
        """Record the initial point (iteration 0)."""
        self._log(theta, loss)
        self._check(loss)

    def record(self, theta, loss):
        self.iteration += 1
        self._log(theta, loss)
        self._check(loss)

    def resolve(self, theta, loss):
        """Record a re-solve of C that the fit keeps (it becomes the best parameters): one more entry at
        the same iteration, marked ``resolve_c``, with a sup-norm checkpoint whenever checkpoints are on."""
        self.best_loss, self.best_theta = float(loss), theta.copy()
        seconds = self._entry(loss, resolve=True)
        if self.checkpoint is not None and self.checkpoint_every:
            self._checkpoint(theta, loss, seconds, resolve=True)

    def _log(self, theta, loss):
        seconds = self._entry(loss)
        watcher = getattr(_WATCHERS, "report", None)
        if watcher is not None:
            watcher(self.iteration, float(loss), seconds)  # may raise FitCancelled
        self.optimizer_loss = float(loss)
        if np.isfinite(loss) and loss < self.best_loss:
            self.best_loss, self.best_theta = float(loss), theta.copy()
        if self.checkpoint is not None and self.checkpoint_every and self.iteration % self.checkpoint_every == 0:
            self._checkpoint(theta, loss, seconds)

    def _entry(self, loss, resolve=False) -> float:
        seconds = self.seconds
        self.history["iteration"].append(self.iteration)
        self.history["loss"].append(float(loss))
        self.history["seconds"].append(seconds)
        self.history["resolve_c"].append(resolve)
        return seconds

    def _checkpoint(self, theta, loss, seconds, resolve=False):
        """The sup error at θ, timed at its history entry (its own estimate is not training time)."""
        pause = time.perf_counter()
        value = self.checkpoint(theta) if np.isfinite(loss) and np.all(np.isfinite(theta)) else np.inf
        self.checkpoints["iteration"].append(self.iteration)
        self.checkpoints["sup_error"].append(value)
        self.checkpoints["seconds"].append(seconds)
        self.checkpoints["resolve_c"].append(resolve)
        self._paused += time.perf_counter() - pause

    def _check(self, loss):
        if not np.isfinite(loss):
            self.stop("diverged")
        if self.target_loss is not None and loss <= self.target_loss:
            self.stop("target_reached")
        if self.iteration >= self.max_iter:
            self.stop("max_iter")
        if self.max_seconds is not None and self.seconds >= self.max_seconds:
            self.stop("max_seconds")

    def settle(self, word: str, detail: str | None = None):
        """Record how the fit ended: a word of :data:`~uat.fitting.status.STATUSES` and its detail."""
        self.outcome = (word, detail)

    def stop(self, word: str, detail: str | None = None):
        """Record how the fit ended and end the optimizer's loop."""
        self.settle(word, detail)
        raise _Stop(self.status)


# --- first-order optimizers -------------------------------------------------------------------------------

def _first_order(objective: Objectives, theta, monitor: Monitor, *, optimizer, lr, beta1, beta2, eps, gtol):
    theta = theta.copy()
    loss, grad = objective.loss_grad(theta)
    monitor.start(theta, loss)
    v = np.zeros_like(theta)
    s = np.zeros_like(theta)
    t = 0
    while True:
        if np.max(np.abs(grad)) <= gtol:
            monitor.stop("converged", "gtol")
        t += 1
        if optimizer == "gd":
            theta -= lr * grad
        elif optimizer == "momentum":
            v = beta1 * v - lr * grad
            theta += v
        else:  # adam
            v = beta1 * v + (1 - beta1) * grad
            s = beta2 * s + (1 - beta2) * grad * grad
            vhat = v / (1 - beta1**t)
            shat = s / (1 - beta2**t)
            theta -= lr * vhat / (np.sqrt(shat) + eps)
        with np.errstate(over="ignore", invalid="ignore"):
            loss, grad = objective.loss_grad(theta)
        monitor.record(theta, loss)


def _lbfgs(objective: Objectives, theta, monitor: Monitor, *, gtol, ftol, memory):
    def fun(x):
        with np.errstate(over="ignore", invalid="ignore"):
            loss, grad = objective.loss_grad(x)
        if not np.isfinite(loss) or not np.all(np.isfinite(grad)):
            return np.inf, np.zeros_like(x)  # the line search backs off; if it cannot, the monitor sees inf
        return loss, grad

    loss, _ = fun(theta)
    previous = [loss]

    def callback(intermediate_result):
        loss = intermediate_result.fun
        monitor.record(intermediate_result.x, loss)
        if previous[0] - loss <= ftol * loss:
            monitor.stop("converged", "ftol")
        previous[0] = loss

    monitor.start(theta, loss)
    # scipy's own ftol compares the decrease with max(|f|, 1), which stops at once when the loss is small
    # (measured: one iteration at a loss of 1e-7); the relative test is done here instead. A _Stop raised
    # by the monitor inside the callback propagates out of minimize to the caller.
    result = minimize(fun, theta, jac=True, method="L-BFGS-B", callback=callback,
                      options={"maxiter": monitor.max_iter + 1, "gtol": gtol, "ftol": 0.0, "maxcor": memory,
                               "maxfun": 20 * monitor.max_iter + 20})
    if monitor.outcome is None:
        monitor.settle(*(("converged", result.message.lower()) if result.success else ("stopped", result.message)))


# --- Gauss–Newton optimizers ------------------------------------------------------------------------------

def _damped_step(JTJ: np.ndarray, g: np.ndarray, lam: float, D: np.ndarray) -> np.ndarray | None:
    """δ solving (JᵀJ + λ D) δ = −g by Cholesky; None when the matrix is not numerically positive definite."""
    M = JTJ + np.diag(lam * D)
    try:
        factor = scipy.linalg.cho_factor(M, lower=False, check_finite=False)
    except np.linalg.LinAlgError:
        return None
    step = scipy.linalg.cho_solve(factor, -g, check_finite=False)
    return step if np.all(np.isfinite(step)) else None


def _levenberg_marquardt(evaluate, jacobian, theta, monitor: Monitor, *, gtol, xtol, ftol, first: bool = True):
    """Minimise ‖r(θ)‖² from θ. ``evaluate(θ) -> r``; ``jacobian(θ) -> (r, J)``.

    Marquardt scaling D = the largest diag(JᵀJ) seen (Moré), damping λ updated by Nielsen's rule
    from the gain ratio ρ = actual / predicted decrease. Returns the outcome it stopped with, (word, detail).
    """
    r, J = jacobian(theta)
    loss = float(r @ r)
    if first:
        monitor.start(theta, loss)
    D = np.zeros(theta.size)
    lam, nu = 1e-3, 2.0
    while True:
        JTJ = J.T @ J
        g = J.T @ r
        if np.max(np.abs(2 * g)) <= gtol:
            return "converged", "gtol"
        D = np.maximum(D, np.diag(JTJ))
        Dn = np.maximum(D, 1e-12 * max(D.max(), 1e-300))
        while True:
            step = _damped_step(JTJ, g, lam, Dn)
            if step is not None:
                trial = theta + step
                with np.errstate(over="ignore", invalid="ignore"):
                    r_new = evaluate(trial)
                    new_loss = float(r_new @ r_new)
                predicted = -(2 * step @ g + step @ (JTJ @ step))
                rho = (loss - new_loss) / predicted if predicted > 0 else -1.0
                if np.isfinite(new_loss) and rho > 0:
                    break
            lam *= nu
            nu *= 2
            if lam > 1e16:
                return "stalled", "no decrease at any damping"
        decrease = loss - new_loss
        theta, loss = trial, new_loss
        lam *= max(1 / 3, 1 - (2 * rho - 1) ** 3)
        nu = 2.0
        monitor.record(theta, loss)
        if decrease <= ftol * loss:
            return "converged", "ftol"
        scale = np.sqrt(Dn)  # Marquardt's scaling, as in MINPACK: a plain ‖θ‖ is dominated by large C
        if lam < 1 and np.linalg.norm(scale * step) <= xtol * (np.linalg.norm(scale * theta) + xtol):
            return "converged", "xtol"  # a nearly undamped (Gauss–Newton) step that no longer moves θ
        r, J = jacobian(theta)


class _ShallowSplit:
    """θ = (A, b | C) of a shallow :class:`Objective`: C is linear on the features σ(Ax + b). The same interface
    as :class:`uat.fitting.deep_varpro.LastLayerSplit` (the deep network's split, its last affine map linear)."""

    def __init__(self, objective: Objective):
        self.objective = objective
        self.n_inner, self.n_features = objective.k * objective.n + objective.k, objective.k
        self.solver = default_solver(objective.activation)

    def features(self, inner):
        """√ŵᵢ σ(A xᵢ + b) (N, k) for inner = (A, b)."""
        o = self.objective
        return o.features(inner[: o.k * o.n].reshape(o.k, o.n), inner[o.k * o.n :])

    def join(self, inner, Ct):
        """θ = (A, b, C) from inner = (A, b) and Cᵀ (k, m)."""
        return np.concatenate([inner, Ct.T.ravel()])

    def jacobian(self, theta):
        """(r, J) with J's columns those of A and b, at fixed C."""
        return self.objective.jacobian(theta, with_C=False)


def _split(objective: Objectives) -> _ShallowSplit | LastLayerSplit:
    """The separable split of θ for variable projection: (A, b | C), or a deep network's (layers 1…L−1 | W[L], b[L])."""
    return LastLayerSplit(objective) if isinstance(objective, DeepObjective) else _ShallowSplit(objective)


class _Projection:
    """Variable projection for fixed data: the linear part C (a deep network's last W, b) by (ridge-regularised)
    least squares, the projected residual and its Kaufman Jacobian in the other parameters (A, b; a deep
    network's layers 1, …, L − 1), which :func:`_split` tells apart.

    With the weighted features H = U S Vᵀ (SVD, singular values below rcond·s₁ dropped), C minimises
    ‖H Cᵀ − Y‖² + μ‖C‖² (μ = ``ridge``). The residual is augmented, r = [H Cᵀ − Y; √μ Cᵀ], so that
    the objective is ‖r‖² exactly, and its Jacobian in (A, b) is P⊥ [J_ab; 0], where J_ab is the
    Jacobian of H Cᵀ at fixed C and P⊥ projects out the span of the augmented features [H; √μ I]
    (Kaufman's approximation: the term through the change of C is dropped; Jᵀr is still the exact
    gradient). μ > 0 keeps C bounded and C(A, b) smooth where the features are nearly dependent,
    which plain least squares is not (coefficients of 1e11 were measured on width-50 tanh features).
    ``rcond`` None is max(N, number of features)·eps.
    """

    def __init__(self, objective: Objectives, ridge: float, rcond: float | None):
        self.objective, self.split = objective, _split(objective)
        self.ridge = ridge
        self.rcond = np.finfo(float).eps * max(objective.N, self.split.n_features) if rcond is None else rcond
        self.ab = self.split.n_inner
        self._last = None  # (θ_ab, θ, U_top, U_bottom, data loss) of the latest evaluation

    def _solve(self, theta_ab):
        o = self.objective
        U, s, Vt = scipy.linalg.svd(self.split.features(theta_ab), full_matrices=False, check_finite=False,
                                    lapack_driver="gesdd")
        keep = s > self.rcond * s[0]
        U, s, Vt = U[:, keep], s[keep], Vt[keep]
        d = np.sqrt(s * s + self.ridge)
        Ct = (Vt.T * (s / d**2)) @ (U.T @ (o.sw[:, None] * o.Y))   # Cᵀ (k, m)
        theta = self.split.join(theta_ab, Ct)
        r_data = o.residuals(theta)
        r = np.concatenate([r_data, np.sqrt(self.ridge) * Ct.ravel()]) if self.ridge > 0 else r_data
        return theta, U * (s / d), Vt.T * (np.sqrt(self.ridge) / d), r, float(r_data @ r_data)

    def _at(self, theta_ab):
        if self._last is None or not np.array_equal(self._last[0], theta_ab):
            self._last = (theta_ab.copy(), *self._solve(theta_ab))
        return self._last

    def full(self, theta_ab) -> np.ndarray:
        """θ = (A, b, C(A, b))."""
        return self._at(theta_ab)[1]

    def data_loss(self, theta_ab) -> float:
        """The training loss (without the ridge term)."""
        return self._at(theta_ab)[5]

    def evaluate(self, theta_ab) -> np.ndarray:
        """The projected (augmented) residual."""
        if not np.all(np.isfinite(theta_ab)):
            return np.full(1, np.inf)
        return self._at(theta_ab)[4]

    def jacobian(self, theta_ab):
        _, theta, Ut, Ub, r, _ = self._at(theta_ab)
        o = self.objective
        _, J = self.split.jacobian(theta)
        J2 = J.reshape(o.N, -1)          # row i: sample i's m × P block, so P⊥ acts on each output
        T = Ut.T @ J2
        J2 -= Ut @ T                     # top block of P⊥ [J; 0]
        if self.ridge > 0:               # bottom block: −U_b U_topᵀ J
            J = np.concatenate([J, -(Ub @ T).reshape(-1, J.shape[1])])
        return r, J


class _VarproMonitor:
    """Passes variable projection's (A, b) iterates on to the monitor as θ = (A, b, C(A, b))."""

    def __init__(self, monitor: Monitor, projection: _Projection):
        self.monitor, self.projection = monitor, projection

    def record(self, theta_ab, loss):
        self.monitor.record(self.projection.full(theta_ab), self.projection.data_loss(theta_ab))


def _varpro(objective: Objectives, theta, monitor: Monitor, *, ridge, rcond, fallback, gtol, xtol,
            ftol) -> list[dict]:
    """Variable projection from θ's A, b (a deep network's layers 1, …, L − 1; the linear part C, or W[L] and
    b[L], is replaced by least squares), then full LM if it stops early. Returns what each phase did; raises
    _Stop like every optimizer when the monitor says so."""
    projection = _Projection(objective, ridge, rcond)
    ab = theta[: projection.ab].copy()
    phases = [{"phase": "varpro", "iterations": 0, "status": None, "loss": None}]

    def close(status):
        done = sum(p["iterations"] for p in phases[:-1])
        phases[-1].update(iterations=monitor.iteration - done, status=status, loss=monitor.best_loss)

    try:
        monitor.start(projection.full(ab), projection.data_loss(ab))
        outcome = _levenberg_marquardt(projection.evaluate, projection.jacobian, ab,
                                       _VarproMonitor(monitor, projection), gtol=gtol, xtol=xtol, ftol=ftol,
                                       first=False)
        close(status_text(*outcome))
        if fallback:
            phases.append({"phase": "lm", "iterations": 0, "status": None, "loss": None})
            outcome = _levenberg_marquardt(objective.residuals, objective.jacobian, monitor.best_theta.copy(),
                                           monitor, gtol=gtol, xtol=xtol, ftol=ftol, first=False)
            close(status_text(*outcome))
        monitor.settle(*outcome)
    except _Stop:
        close(monitor.status)
    phases.append(_plain_least_squares(projection.split, monitor, [monitor.best_theta, theta]))
    return phases


def _least_squares_linear(split, inner) -> np.ndarray:
    """Cᵀ (a deep network's [W[L]ᵀ; b[L]ᵀ]) by plain least squares on the weighted features of the inner
    parameters, with the solver method 'lstsq' uses."""
    o = split.objective
    Phi = np.asfortranarray(split.features(inner))
    return lstsq_solve(Phi, o.sw[:, None] * o.Y, solver=split.solver, warn=False).C.T


def _least_squares_c(objective: Objective, A, b) -> np.ndarray:
    """C by plain least squares on the weighted features of A, b, with the solver method 'lstsq' uses."""
    return _least_squares_linear(_ShallowSplit(objective), np.concatenate([np.ravel(A), b])).T


def _plain_least_squares(split, monitor: Monitor, candidates) -> dict:
    """Re-solve C (a deep network's W[L], b[L]) by plain least squares (no ridge; as method 'lstsq' does) for the
    other parameters of each candidate θ, and keep the result where it at least halves the best training loss
    (a smaller gain is not worth the large coefficients plain least squares can bring: a 0.1% gain once took
    max|C| from 4 to 5e6). With the initial θ among the candidates, the fit never ends more than 2x above the
    least-squares fit of its starting hidden layer(s) on the same points (in loss; √2 in RMS). A kept re-solve
    is the last entry of the history (:meth:`Monitor.resolve`)."""
    best, kept = monitor.best_loss, None
    for theta in (c for c in candidates if c is not None):  # None: no finite loss was ever seen
        inner = theta[: split.n_inner]
        trial = split.join(inner, _least_squares_linear(split, inner))
        loss = split.objective.loss(trial)
        if np.isfinite(loss) and loss <= 0.5 * best:
            best, kept = loss, trial
    if kept is not None:
        monitor.resolve(kept, best)
    return {"phase": "lstsq C", "iterations": 0, "status": "not better" if kept is None else "kept",
            "loss": monitor.best_loss}


# --- the method -----------------------------------------------------------------------------------------------

def _y_scale(Y: np.ndarray) -> float:
    """1 for targets with max|Y| in [2⁻¹⁰⁰, 2¹⁰⁰]; otherwise the power of two at max|Y|, by which Y is divided
    for training (module docstring), so that the loss, a mean of squares, neither overflows nor underflows."""
    peak = float(np.max(np.abs(Y))) if Y.size else 0.0
    return 1.0 if peak == 0 or _Y_RANGE[0] <= peak <= _Y_RANGE[1] else float(power_of_two(peak))


def _network(objective: Objectives, theta: np.ndarray, act, y_scale: float):
    """The network of θ for the target's own values: C·y_scale (a deep network's last W, b), refused where that
    overflows float64. A :class:`~uat.deep.DeepNetwork` for a :class:`DeepObjective`."""
    reason = f"trained on the target divided by {y_scale:.3g}"
    if isinstance(objective, DeepObjective):
        weights, biases = objective.unpack(theta)
        weights[-1] = scale_weights(weights[-1], y_scale, "backprop", reason)
        biases[-1] = scale_weights(biases[-1], y_scale, "backprop", reason)
        return DeepNetwork(weights, biases, objective.sigma[1 : objective.depth], objective.sigma[-1])
    A, b, C = objective.unpack(theta)
    return ShallowNetwork(A, b, scale_weights(C, y_scale, "backprop", reason), act)


def _initial(problem: Problem, init, objective: Objective, A, b, y_scale: float = 1.0) -> np.ndarray:
    """θ₀ from ``init``; A, b are the random-feature draw of the seed (used by init='draw'); a warm start's C
    is divided by ``y_scale`` like the training values."""
    k, act = problem.width, problem.activation
    n, m = objective.n, objective.m
    if isinstance(init, ShallowNetwork):
        if (init.width, init.dim, init.n_outputs) != (k, n, m):
            raise ValueError(f"init network must have width {k}, {n} inputs and {m} outputs to match the fit; got "
                             f"width {init.width}, {init.dim} inputs, {init.n_outputs} outputs")
        if init.activation.name != act.name:
            raise ValueError(f"init network has activation {init.activation.name!r}; the fit uses {act.name!r}")
        return pack(init.A, init.b, init.C / y_scale)
    if init == "draw":
        return pack(A, b, _least_squares_c(objective, A, b))
    rng = problem.draw_rng  # after the draw of A, b: still a fixed function of the seed
    fan_a = 2.0 / (n + k) if init == "glorot" else 2.0 / n
    fan_c = 2.0 / (k + m) if init == "glorot" else 2.0 / k
    A = rng.standard_normal((k, n)) * np.sqrt(fan_a)
    C = rng.standard_normal((m, k)) * np.sqrt(fan_c)
    return pack(A, np.zeros(k), C)


def _deep_initial(problem: Problem, init, objective: DeepObjective, y_scale: float = 1.0) -> tuple[np.ndarray, str]:
    """θ₀ of a deep network and the name of its rule, drawn from ``problem.draw_rng`` after the seed's draw of
    A, b (so a seed gives the same θ₀ bit for bit): W[ℓ] ~ N(0, 2/N_{ℓ−1}) (He) for σ with kinks (relu-like)
    or N(0, 2/(N_{ℓ−1} + N_ℓ)) (Glorot) otherwise, layer by layer; b[1] = −W[1] p, p uniform random points
    of K (unit i's hyperplane through pᵢ), the other biases 0. ``init='draw'`` (the default) picks the rule
    by σ, ``'he'`` and ``'glorot'`` force it; a DeepNetwork starts from its own weights."""
    if isinstance(init, DeepNetwork):
        return _deep_warm_start(problem, init, objective, y_scale), "network"
    rule = init if init != "draw" else ("he" if problem.activation.kinks else "glorot")
    rng, weights = problem.draw_rng, []
    for rows, cols in zip(objective.widths[1:], objective.widths[:-1]):
        variance = 2.0 / cols if rule == "he" else 2.0 / (cols + rows)
        weights.append(rng.standard_normal((rows, cols)) * np.sqrt(variance))
    points = problem.target.domain.sample(objective.widths[1], "uniform", rng=rng)
    biases = [-np.einsum("ij,ij->i", weights[0], points)] + [np.zeros(rows) for rows in objective.widths[2:]]
    return pack_layers(weights, biases), rule


def _deep_warm_start(problem: Problem, start: DeepNetwork, objective: DeepObjective, y_scale: float) -> np.ndarray:
    """θ₀ of a DeepNetwork warm start: its weights, the last layer's divided by ``y_scale`` like the training
    values; its input and output sizes must be the target's."""
    if start.widths[0] != objective.widths[0] or start.widths[-1] != objective.widths[-1]:
        raise ValueError(f"init: the warm start maps {start.widths[0]} inputs to {start.widths[-1]} outputs; the "
                         f"target maps {objective.widths[0]} to {objective.widths[-1]}")
    weights, biases = list(start.weights), list(start.biases)
    weights[-1], biases[-1] = weights[-1] / y_scale, biases[-1] / y_scale
    return pack_layers(weights, biases)


def _weights(weights, X) -> np.ndarray:
    """The callable's weights for the training points, checked."""
    N = X.shape[0]
    try:
        w = np.asarray(weights(read_only(X)), dtype=float)  # a weights function writing into X would move the points
    except (TypeError, ValueError) as err:
        raise ValueError(f"weights(X) must return {N} non-negative numbers; it failed or returned non-numbers: {err}") \
            from err
    if w.shape != (N,) or not np.all(np.isfinite(w)) or np.any(w < 0) or not np.any(w > 0):
        raise ValueError(f"weights(X) must return an array of shape ({N},) of finite non-negative numbers, not all "
                         f"zero; got shape {w.shape}")
    return w


def _refine_minimax(problem: Problem, network: ShallowNetwork, X, Y, rounds: int = 4):
    """C by the minimax exchange for the trained A, b (:mod:`uat.fitting.minimax`), with the sup-norm
    estimate in the loop: where :func:`uat.sup_error` finds a larger error than the check set saw (a
    kink of f between check points), its argmax joins the check set and the LP is solved again. The
    network with the smallest estimated sup error is returned, the unrefined one included, so the
    refinement never raises the estimate."""
    from uat.fitting.minimax import minimax_exchange
    from uat.supnorm import sup_error

    act = problem.activation
    A, b = network.A, network.b
    X_check = check_set(problem, 8 * X.shape[0], A, b)
    Y_check = problem.target(X_check)
    rcond = minimax_rcond(act, X.shape[0], problem.width)
    best, best_sup = network, sup_error(problem.target, network).value
    facts = {"sup_before": best_sup}
    for round_ in range(1, rounds + 1):
        sol = minimax_exchange(lambda Z: hidden_features(A, b, act, Z), X, Y, X_check, Y_check, rcond=rcond)
        candidate = ShallowNetwork(A, b, sol.C, act)
        estimate = sup_error(problem.target, candidate)
        facts.update(level=sol.level, check_max=sol.max_error, lp_rounds=sol.rounds, converged=sol.converged,
                     sup_rounds=round_)
        if estimate.value < best_sup:
            best, best_sup = candidate, estimate.value
        if estimate.value <= sol.max_error * (1 + 1e-3):
            break  # the check set saw the sup
        X_check = np.vstack([X_check, estimate.argmax[None, :]])
        Y_check = np.vstack([Y_check, problem.target(estimate.argmax[None, :])])
    facts["sup_after"] = best_sup
    facts["kept"] = best is not network
    return best, facts


def _fit_backprop(problem: Problem, **options) -> Fitted:
    """Method 'backprop': the training set of the seed, θ₀ from ``init``, the optimizer, then the network of the
    best parameters seen (refined by minimax where asked). A deep problem (``problem.widths``) trains a
    :class:`~uat.deep.DeepNetwork` the same way, from :func:`_deep_initial`."""
    act = require_derivative(problem.activation)
    if problem.widths is not None:
        _check_deep_options(problem.widths, options, problem.activation)
    elif isinstance(options["init"], DeepNetwork):
        raise ValueError(f"init: a DeepNetwork cannot start the width-{problem.width} network C σ(Ax + b); pass its "
                         f"hidden widths as the width, width={list(options['init'].widths[1:-1])}")
    elif options["output_activation"] is not None:
        raise ValueError(f"output_activation={options['output_activation']!r} is for deep networks (a list width, "
                         f"e.g. width=[{problem.width}, {problem.width}]); the width-{problem.width} network "
                         "C σ(Ax + b) has no output activation: pass output_activation=None")
    samples = trained_set(problem, **{name: options.pop(name) for name in DRAW_OPTIONS})
    y_scale = _y_scale(samples.Y)
    objective = _objective(problem, samples, y_scale, options)
    if problem.widths is None:
        theta0, init = _initial(problem, options["init"], objective, samples.A, samples.b, y_scale), None
    else:
        theta0, init = _deep_initial(problem, options["init"], objective, y_scale)
    monitor = _monitor(problem, objective, y_scale, options)
    phases = _train(objective, theta0, monitor, options)
    theta = monitor.best_theta if monitor.best_theta is not None else theta0
    network = _network(objective, theta, act, y_scale)
    diagnostics = _diagnostics(samples, objective, monitor, phases, y_scale, options)
    if init is not None:
        diagnostics["init"] = init
    if options["refine"] == "minimax":
        network, facts = _refine_minimax(problem, network, samples.X, samples.Y)
        diagnostics["refine"] = {"method": "minimax", **facts}
        with objective:  # the returned network's loss (the pool, if the loss opens one, is closed again)
            diagnostics["loss"] = objective.loss(pack(network.A, network.b, network.C))
    return Fitted(network, samples.X, samples.Y, diagnostics, _history(monitor, options["checkpoint_every"]))


def _check_deep_options(widths: tuple[int, ...], options: dict, problem_activation) -> None:
    """Refuse, before any work, the options a deep fit does not have: variable projection with an output
    activation (σ_out makes Φ nonlinear in the last affine map), a shallow warm start, the minimax refinement
    (written for the one hidden layer's C), and a deep warm start of another architecture."""
    given = f"width={list(widths)!r} (a deep network)"
    if options["optimizer"] == "varpro" and options["output_activation"] is not None:
        raise ValueError(f"optimizer='varpro' solves the last affine map by least squares and needs "
                         f"output_activation=None; got output_activation={options['output_activation']!r}: pass "
                         f"output_activation=None, or optimizer='lm' (the default with an output activation), "
                         f"'lbfgs' or 'adam'")
    if isinstance(options["init"], ShallowNetwork):
        raise ValueError(f"init: a ShallowNetwork cannot start {given}; pass init='draw', 'glorot' or 'he', or a "
                         "DeepNetwork of those widths")
    if isinstance(options["init"], DeepNetwork):
        _check_deep_start(options["init"], widths, problem_activation, options["output_activation"])
    if options["refine"] == "minimax":
        raise ValueError(f"refine='minimax' re-solves one hidden layer's C and is not implemented for {given}; "
                         "pass refine=None")


def _check_deep_start(start: DeepNetwork, widths: tuple[int, ...], activation, output_activation) -> None:
    """A DeepNetwork warm start must be the network the fit trains: the hidden widths, σ in every hidden layer
    and the output activation asked for (the input and output sizes are checked against the target later)."""
    hidden = tuple(start.widths[1:-1])
    sigmas = {act.name for act in start.activations}
    out = None if start.output_activation is None else start.output_activation.name
    wanted = None if output_activation is None else get_activation(output_activation).name
    if hidden != tuple(widths) or sigmas - {activation.name} or out != wanted:
        raise ValueError(f"init: the warm start {start!r} is not the network asked for (hidden widths "
                         f"{list(widths)}, activation {activation.name!r}, output_activation {wanted!r}): pass a "
                         "DeepNetwork of that architecture, or init='draw'")


def _objective(problem: Problem, samples: TrainingSet, y_scale: float, options: dict) -> Objectives:
    """The weighted training loss on Y / y_scale, refused for Gauss–Newton optimizers whose Jacobian is too large."""
    X, Y = samples.X, samples.Y
    w = np.ones(X.shape[0]) if options["weights"] is None else _weights(options["weights"], X)
    if problem.widths is None:
        objective = Objective(X, Y / y_scale, problem.activation, problem.width, w, options["threads"])
    else:
        widths = (X.shape[1], *problem.widths, Y.shape[1])
        out = options["output_activation"]
        if out is not None and y_scale != 1.0:
            raise ValueError(f"output_activation={out!r}: the target's values reach {float(np.max(np.abs(Y))):.3g}, "
                             "beyond what is trained unscaled, and σ_out's output cannot be rescaled: rescale the "
                             "target or pass output_activation=None")
        objective = DeepObjective(X, Y / y_scale, widths, [problem.activation] * len(problem.widths),
                                  None if out is None else get_activation(out), w, options["threads"])
    optimizer, rows = options["optimizer"], X.shape[0] * Y.shape[1]
    if optimizer in ("lm", "varpro") and rows * objective.n_params > _JACOBIAN_LIMIT:
        raise ValueError(f"optimizer={optimizer!r} forms the {rows} x {objective.n_params} Jacobian, more than "
                         f"{_JACOBIAN_LIMIT} entries; use optimizer='lbfgs' or 'adam', or fewer n_samples")
    return objective


def _monitor(problem: Problem, objective: Objectives, y_scale: float, options: dict) -> Monitor:
    """The monitor of the stopping rules (max_iter by default per optimizer), with sup-norm checkpoints if asked."""
    def checkpoint(theta):
        from uat.supnorm import sup_error

        return sup_error(problem.target, _network(objective, theta, problem.activation, y_scale)).value

    every, target_rms = options["checkpoint_every"], options["target_rms"]
    max_iter = _MAX_ITER[options["optimizer"]] if options["max_iter"] is None else options["max_iter"]
    return Monitor(max_iter=max_iter, max_seconds=options["max_seconds"],
                   target_loss=None if target_rms is None else (target_rms / y_scale) ** 2,
                   checkpoint=checkpoint if every else None, checkpoint_every=every)


def _learning_rate(options: dict) -> float | None:
    """lr, or the optimizer's default (first-order optimizers; None for the others)."""
    return _LR.get(options["optimizer"]) if options["lr"] is None else options["lr"]


def _train(objective: Objectives, theta0: np.ndarray, monitor: Monitor, options: dict) -> list[dict]:
    """Run the optimizer from θ₀ until it or the monitor stops; the monitor holds the status and the best
    parameters. Returns variable projection's phases (empty for the others)."""
    o, optimizer = options, options["optimizer"]
    tolerances = {"gtol": o["gtol"], "xtol": o["xtol"], "ftol": o["ftol"]}
    phases = []
    try:
        with np.errstate(over="ignore", under="ignore"):
            if optimizer in ("gd", "momentum", "adam"):
                _first_order(objective, theta0, monitor, optimizer=optimizer, lr=_learning_rate(o), beta1=o["beta1"],
                             beta2=o["beta2"], eps=o["eps"], gtol=o["gtol"])
            elif optimizer == "lbfgs":
                _lbfgs(objective, theta0, monitor, gtol=o["gtol"], ftol=o["ftol"], memory=o["memory"])
            elif optimizer == "lm":
                monitor.settle(*_levenberg_marquardt(objective.residuals, objective.jacobian, theta0, monitor,
                                                     **tolerances))
            else:
                phases = _varpro(objective, theta0, monitor, ridge=o["ridge"], rcond=o["rcond"],
                                 fallback=o["fallback"], **tolerances)
    except _Stop:
        pass  # the monitor holds the status and the best parameters
    finally:
        objective.close()
    return phases


def _diagnostics(samples: TrainingSet, objective: Objectives, monitor: Monitor, phases: list[dict], y_scale: float,
                 options: dict) -> dict:
    """What the fit did: the draw's options, the optimizer's, its status and losses; a ConvergenceWarning where
    it diverged."""
    optimizer, init = options["optimizer"], options["init"]
    diagnostics = {**samples.options, "optimizer": optimizer, "init": init if isinstance(init, str) else "network",
                   **status_facts(*monitor.outcome), "iterations": monitor.iteration, "loss": monitor.best_loss,
                   "optimizer_loss": monitor.optimizer_loss, "threads": objective.threads}
    if optimizer in ("gd", "momentum", "adam"):
        diagnostics["lr"] = _learning_rate(options)
    if y_scale != 1.0:
        diagnostics["y_scale"] = y_scale
    if phases:
        diagnostics["path"] = "+".join(p["phase"] for p in phases if p["phase"] != "lstsq C")
        diagnostics["phases"] = phases
    if monitor.status == "diverged":
        hint = "; lower lr" if optimizer in _LR else ""
        warnings.warn(f"training diverged (non-finite loss) after {monitor.iteration} iterations of {optimizer}; "
                      f"returning the best parameters seen (loss {monitor.best_loss:.3g}){hint}",
                      ConvergenceWarning, stacklevel=4)
    return diagnostics


def _history(monitor: Monitor, checkpoint_every) -> dict:
    """The training curve as arrays, with the sup-norm checkpoints when they were taken."""
    history = {key: np.asarray(value) for key, value in monitor.history.items()}
    if checkpoint_every:
        history.update({f"checkpoint_{key}": np.asarray(value) for key, value in monitor.checkpoints.items()})
    return history


# --- the options ---------------------------------------------------------------------------------------------

def _check_init(name: str, init):
    if isinstance(init, ShallowNetwork) and init.d is not None:
        raise ValueError("init: a warm start must have the theorem's form C σ(Ax + b); this network has an output "
                         "bias d (a peer's network?): backprop trains no output bias")
    if not isinstance(init, (ShallowNetwork, DeepNetwork)):
        if not isinstance(init, str):
            raise TypeError(f"init must be one of {', '.join(INITS)}, a uat.ShallowNetwork or a uat.DeepNetwork; "
                            f"got {init!r}")
        check_choice(name, init, INITS)
    return init


def _check_decay(name: str, value):
    checked = check_real(name, value, minimum=0.0)
    if checked >= 1:
        raise ValueError(f"{name} must lie in [0, 1); got {checked}")
    return value


def _check_rcond(name: str, value):
    check_real(name, value, minimum=0.0)
    if value >= 1:
        raise ValueError(f"rcond must be < 1 (a relative singular-value cut-off); got {value}")
    return value


def _check_refine(name: str, value):
    check_choice(name, "none" if value is None else value, ("none", "minimax"))
    return value


def _check_output_activation(name: str, value):
    """None, or a σ with a derivative (a name or an Activation), kept as given."""
    if value is not None:
        if not isinstance(value, (str, Activation)):
            raise TypeError(f"{name} must be None or an activation name (uat list activations); got {value!r}")
        require_derivative(get_activation(value), name)
    return value


def _check_weights(name: str, value):
    if value is not None and not callable(value):
        raise TypeError("weights must be a callable mapping the (N, n) training points to N non-negative weights; "
                        f"got {value!r}")
    return value


_POSITIVE = optional(as_given(partial(check_real, positive=True)))
_NONNEGATIVE = optional(as_given(partial(check_real, minimum=0.0)))

#: The options of method 'backprop' beside the draw's: name -> Option(default, doc, check).
BACKPROP_OPTIONS = {
    "optimizer": Option("varpro", "gd, momentum, adam, lbfgs, lm or varpro (default varpro; for a list width with an "
                        "output_activation lm)",
                        as_given(partial(check_choice, choices=OPTIMIZERS))),
    "init": Option("draw", "draw (the least-squares fit of the same seed; for a list width He for σ with kinks, "
                   "Glorot otherwise), glorot, he, a ShallowNetwork (warm start; varpro keeps its A, b and "
                   "re-solves C), or for a list width a DeepNetwork of those widths", _check_init),
    "max_iter": Option(None, "updates at most (default gd/momentum/adam 10000, lbfgs 5000, lm/varpro 1000)",
                       optional(partial(check_int, minimum=0))),
    "max_seconds": Option(None, "wall-clock budget in seconds (default none: results then depend on the machine)",
                          _POSITIVE),
    "target_rms": Option(None, "stop when the training RMS error (weighted, with weights) reaches this", _POSITIVE),
    "gtol": Option(0.0, "stop when the gradient's largest entry is at most this (default 0)", _NONNEGATIVE),
    "xtol": Option(1e-10, "lm/varpro: stop when a nearly undamped step (λ < 1) is below xtol·(‖θ‖ + xtol), both "
                   "scaled by √diag(JᵀJ)", _NONNEGATIVE),
    "ftol": Option(1e-12, "lm/varpro/lbfgs: stop when an accepted step lowers the loss by less than ftol·loss",
                   _NONNEGATIVE),
    "lr": Option(None, "learning rate (default gd 0.1, momentum 0.01, adam 0.001)", _POSITIVE),
    "beta1": Option(0.9, "momentum coefficient (momentum), first-moment decay (adam)", _check_decay),
    "beta2": Option(0.999, "second-moment decay (adam)", _check_decay),
    "eps": Option(1e-8, "adam's denominator guard", as_given(partial(check_real, positive=True))),
    "memory": Option(20, "lbfgs: number of correction pairs", check_int),
    "ridge": Option(1e-14, "varpro: μ of the penalty μ‖C‖² (a deep network's μ(‖W[L]‖² + ‖b[L]‖²)) on the weighted "
                    "features' least squares (default 1e-14)", _NONNEGATIVE),
    "rcond": Option(None, "varpro: relative singular-value cut-off of the features, < 1 (default max(N, number of "
                    "features)·eps)", optional(_check_rcond)),
    "fallback": Option(True, "varpro: continue with full LM where variable projection stops (default true)",
                       check_bool),
    "refine": Option(None, "after training: none, or minimax (C re-solved to minimise the max error on a finer set)",
                     _check_refine),
    "weights": Option(None, "a callable giving each training point's weight in the loss (default equal weights)",
                      _check_weights),
    "checkpoint_every": Option(None, "record the sup-norm error every this many iterations, and of varpro's final "
                               "least-squares C (history['checkpoint_*'])", optional(check_int)),
    "output_activation": Option(None, "list width only: σ of the output layer (default none: the last layer is "
                                "affine, Kutyniok's Φ)", _check_output_activation),
    "threads": Option(None, "threads over row blocks (default: as many as the BLAS pools may use)",
                      optional(check_int)),
}


def _deep_defaults(given: dict) -> dict:
    """A deep fit's default optimizer: varpro (measured best, module docstring), or lm where the options given
    put an output activation on the last layer (varpro needs it affine)."""
    return {"optimizer": _DEEP_OPTIMIZER if given.get("output_activation") is None else "lm"}


def _draw_options() -> dict[str, Option]:
    """The draw's options as backprop takes them: equispaced points by default, transition points off."""
    draw = dict(DRAW_OPTIONS)
    draw["sampling"] = Option(None, draw["sampling"].doc.replace("default chebyshev", "default grid"),
                              draw["sampling"].check)
    draw["transitions"] = Option(False, "1-D: add the initial units' transition points to the training points "
                                 "(default false)", draw["transitions"].check)
    return draw


register_method(Method.declare(
    "backprop", _fit_backprop,
    "all of A, b, C trained on the mean squared error (hand-written gradients); optimizers gd, momentum, adam, "
    "lbfgs, lm, varpro",
    {**_draw_options(), **BACKPROP_OPTIONS},
    trains_deep=True, deep_defaults=_deep_defaults,
))
