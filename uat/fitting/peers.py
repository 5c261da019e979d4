"""Peers: the same one-hidden-layer network fitted by scikit-learn and PyTorch, as optional uat methods.

Researchers ask how uat compares with what they use; these methods let a study answer it on the
same targets, seeds, sup-norm estimate and figures. Each returns a :class:`~uat.ShallowNetwork` built
from the peer's own trained weights, with the peer's output bias d:

* ``sklearn_mlp``: ``sklearn.neural_network.MLPRegressor`` with one hidden layer (L-BFGS, no L2
  penalty by default); A = coefs_[0]ᵀ, b = intercepts_[0], C = coefs_[1]ᵀ, d = intercepts_[1];
* ``torch_adam``, ``torch_lbfgs``: Linear(n, k) → σ → Linear(k, m) in PyTorch, float64, CPU, full
  batch, mean squared error, ``torch.optim.Adam`` / ``torch.optim.LBFGS`` (strong Wolfe line
  search); A, b = the first layer's weight and bias, C, d = the second's. The best parameters seen
  (lowest training loss) are kept, as uat's own optimizers do;
* ``random_fourier``: ``sklearn.kernel_approximation.RBFSampler`` + ``sklearn.linear_model.Ridge``
  (random Fourier features, the ELM-style baseline). The features are √(2/k)·cos(XW + o), so
  A = Wᵀ, b = o, C = √(2/k)·coef_, d = intercept_, σ = cos.

Training points are the ones method ``backprop`` uses for the same seed and options: ``n_samples``
[max(2048, 4·width)] points, ``sampling`` ['grid' (equispaced) on boxes of dimension <= 3, 'sobol'
beyond], f evaluated there. The peer's own integer seed (``random_state``, ``torch.manual_seed``)
is drawn from the seed's hidden-layer stream, so the same uat seed gives the same network; it is
recorded as ``diagnostics['peer_seed']``. PyTorch initialises inside ``torch.random.fork_rng``, so
the caller's global torch generator is left as it was.

Defaults aim at a fair comparison, not at each library's out-of-the-box settings: no L2 penalty
(MLPRegressor's alpha = 0), tolerances that do not stop early (sklearn's ``tol`` = 0; torch L-BFGS's
``tolerance_grad`` = ``tolerance_change`` = 0, so it runs its budget), Adam with lr = 1e-2 (torch's
1e-3 was measured worse at 10000 steps). MLPRegressor's L-BFGS still stops where scipy's ftol sees a
loss decrease below 2.2e-9·max(loss, 1), an absolute test at small losses that sklearn does not
expose. Each peer runs single-threaded by default (``threads``): torch's pool, and for the
scikit-learn methods every BLAS pool (threadpoolctl), restored afterwards.

PyTorch and scikit-learn are optional extras, imported only when a peer method runs: a missing one
raises :class:`PeerNotInstalledError` naming the command that installs it. An activation a peer
does not define exactly as uat does is refused before any work (:data:`SKLEARN_ACTIVATIONS`,
:data:`TORCH_ACTIVATIONS`).
"""

from __future__ import annotations

import importlib
import time
import warnings
from functools import partial

import numpy as np
from threadpoolctl import threadpool_limits

from uat._validation import check_choice, check_int, check_real
from uat.domains import SAMPLING_METHODS
from uat.exceptions import ConvergenceWarning
from uat.fitting.base import Fitted, Method, Option, Problem, as_given, optional, register_method
from uat.fitting.status import status_facts
from uat.fitting.training import DRAW_OPTIONS, trained_set
from uat.network import ShallowNetwork

__all__ = ["PeerNotInstalledError", "SKLEARN_ACTIVATIONS", "TORCH_ACTIVATIONS", "train_mlp", "mlp_to_network",
           "train_torch", "torch_to_network", "train_fourier", "fourier_to_network"]


class PeerNotInstalledError(ImportError, RuntimeError):
    """A peer method needs an optional package (PyTorch, scikit-learn) that is not installed.

    An ImportError, and a RuntimeError so that the command line reports it as a user error."""


#: uat activation -> MLPRegressor's ``activation`` (the same function).
SKLEARN_ACTIVATIONS = {"tanh": "tanh", "sigmoid": "logistic", "relu": "relu", "identity": "identity"}

#: uat activations PyTorch computes by the same formula (heaviside has no gradient; user activations
#: have no torch definition). softplus is log(1 + eˣ) by ``torch.logaddexp``: ``F.softplus`` is linear
#: beyond z = 20 (off by 2e-9 there); gelu is the exact z·Φ(z) (``approximate='none'``).
TORCH_ACTIVATIONS = ("tanh", "sigmoid", "relu", "leaky_relu", "softplus", "elu", "gelu", "silu", "sin", "cos",
                     "gaussian", "identity", "square", "cube")

_PACKAGES = {"torch": ("torch", "PyTorch", "pip install torch==2.13.0 (CPU build), or pip install 'uat[torch]'"),
             "sklearn": ("sklearn", "scikit-learn", "pip install 'uat[sklearn]'")}


def _require(package: str, method: str):
    """Import ``package`` ('torch' or 'sklearn'), or raise PeerNotInstalledError naming the extra."""
    module, label, command = _PACKAGES[package]
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise PeerNotInstalledError(f"method {method!r} needs {label}: {command}") from err


def _check_installed(package: str, method: str) -> None:
    """The missing-package error before any work. The package is imported here, with the options'
    check, so that its import time (about 1.5 s for torch) is not counted as the first fit's time."""
    _require(package, method)


def _points(problem: Problem, n_samples, sampling):
    """The training points of method ``backprop`` for this seed and options, their values, and the resolved options."""
    samples = trained_set(problem, n_samples=n_samples, sampling=sampling)  # backprop's points; its A, b unused
    return samples.X, samples.Y, {"n_samples": samples.n_samples, "sampling": samples.options["sampling"]}


def _peer_seed(problem: Problem) -> int:
    return int(problem.draw_rng.integers(2**32))


#: The training points' options of every peer: backprop's, checked as the draw's.
_POINT_OPTIONS = {
    "n_samples": Option(None, "training points (default max(2048, 4·width), as backprop)",
                        DRAW_OPTIONS["n_samples"].check),
    "sampling": Option(None, "placement of the training points: " + ", ".join(SAMPLING_METHODS)
                       + " (default grid on boxes of dimension <= 3, sobol otherwise, as backprop)",
                       DRAW_OPTIONS["sampling"].check),
}
_NONNEGATIVE = as_given(partial(check_real, minimum=0.0))
_POSITIVE = as_given(partial(check_real, positive=True))


# --- scikit-learn's MLPRegressor ---------------------------------------------------------------------------

def train_mlp(X: np.ndarray, Y: np.ndarray, *, width: int, activation: str, seed: int, threads: int = 1, **options):
    """MLPRegressor(hidden_layer_sizes=(width,), activation=activation, random_state=seed, **options) fitted
    on X (N, n), Y (N, m) in float64, every BLAS pool limited to ``threads``; ``activation`` is sklearn's
    name. Returns (model, the convergence warnings it gave, as strings)."""
    _require("sklearn", "sklearn_mlp")
    from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    model = MLPRegressor(hidden_layer_sizes=(width,), activation=activation, random_state=seed, **options)
    y = Y[:, 0] if Y.shape[1] == 1 else Y  # a 1-column y would draw a DataConversionWarning
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(threads):
        warnings.simplefilter("always", SklearnConvergenceWarning)
        model.fit(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64))
    notes = []
    for w in caught:  # sklearn's convergence facts go to the diagnostics; anything else is passed on
        if issubclass(w.category, SklearnConvergenceWarning):
            notes.append(" ".join(str(w.message).split()))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return model, notes


def mlp_to_network(model, activation: str) -> ShallowNetwork:
    """The fitted MLPRegressor as g(x) = C σ(Ax + b) + d (``activation`` is uat's name)."""
    (W1, W2), (b1, b2) = model.coefs_, model.intercepts_
    return ShallowNetwork(W1.T, b1, W2.T, activation, d=b2)


def _fit_sklearn_mlp(problem: Problem, *, n_samples, sampling, **options) -> Fitted:
    act = problem.activation.name  # one of SKLEARN_ACTIVATIONS: uat.fit checks Method.activations first
    X, Y, resolved = _points(problem, n_samples, sampling)
    seed = _peer_seed(problem)
    model, notes = train_mlp(X, Y, width=problem.width, activation=SKLEARN_ACTIVATIONS[act], seed=seed, **options)
    import sklearn

    diagnostics = {**resolved, "peer": f"scikit-learn {sklearn.__version__} MLPRegressor", "peer_seed": seed,
                   "solver": options["solver"], "threads": options["threads"], "iterations": int(model.n_iter_),
                   "sklearn_loss": float(model.loss_),  # sklearn's own: ½·MSE + α‖W‖²/(2N)
                   **(status_facts("stopped", "; ".join(notes)) if notes else status_facts("converged"))}
    return Fitted(mlp_to_network(model, act), X, Y, diagnostics)


# --- PyTorch ---------------------------------------------------------------------------------------------------

def _torch_sigma(torch, name: str):
    """σ as a torch function, by uat's formula (``Activation.torch_fn``); a ValueError for σ that torch lacks."""
    from uat.activations import get_activation

    act = get_activation(name)
    if act.torch_fn is None:
        raise ValueError(f"activation {act.name!r} has no PyTorch formula (Activation.torch_fn), so the torch peers "
                         f"cannot train it; accepted: {', '.join(TORCH_ACTIVATIONS)}")
    return lambda z: act.torch_fn(torch, z)


def _module(torch, n: int, k: int, m: int, sigma):
    """Sequential(Linear(n, k), σ, Linear(k, m)) in float64."""
    class Sigma(torch.nn.Module):
        def forward(self, z):
            return sigma(z)

    return torch.nn.Sequential(torch.nn.Linear(n, k, dtype=torch.float64), Sigma(),
                               torch.nn.Linear(k, m, dtype=torch.float64))


class _Best:
    """The lowest finite loss seen and a copy of the parameters that gave it; every loss and its time."""

    def __init__(self, params):
        self.params, self.loss, self.values, self.diverged = list(params), np.inf, None, False
        self.losses, self.seconds, self._start = [], [], time.perf_counter()

    def see(self, loss) -> float:
        value = float(loss.detach())
        self.losses.append(value)
        self.seconds.append(time.perf_counter() - self._start)
        if not np.isfinite(value):
            self.diverged = True
        elif value < self.loss:
            self.loss, self.values = value, [p.detach().clone() for p in self.params]
        return value

    def restore(self, torch):
        if self.values is not None:
            with torch.no_grad():
                for p, v in zip(self.params, self.values):
                    p.copy_(v)


def _adam(torch, model, loss_fn, best, *, lr, max_iter, beta1, beta2, eps, **_):
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(beta1, beta2), eps=eps)
    for _step in range(max_iter):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn()
        if not np.isfinite(best.see(loss)):
            return {"iterations": _step, **status_facts("diverged")}
        loss.backward()
        opt.step()
    return {"iterations": max_iter, **status_facts("max_iter")}


def _lbfgs(torch, model, loss_fn, best, *, lr, max_iter, max_eval, history_size, line_search_fn, tolerance_grad,
           tolerance_change, **_):
    search = None if line_search_fn in (None, "none") else line_search_fn
    opt = torch.optim.LBFGS(model.parameters(), lr=lr, max_iter=max_iter, max_eval=max_eval, history_size=history_size,
                            line_search_fn=search, tolerance_grad=tolerance_grad, tolerance_change=tolerance_change)

    def closure():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn()
        best.see(loss)
        loss.backward()
        return loss

    opt.step(closure)
    state = opt.state[next(iter(model.parameters()))]
    iterations, evals = int(state.get("n_iter", 0)), int(state.get("func_evals", 0))
    limit = max_iter * 5 // 4 if max_eval is None else max_eval
    ended = ("max_iter",) if iterations >= max_iter else ("max_eval",) if evals >= limit else ("converged", "tolerance")
    ended = ("diverged",) if best.diverged else ended
    return {"iterations": iterations, "evaluations": evals, **status_facts(*ended)}


_TORCH_OPTIMIZERS = {"adam": _adam, "lbfgs": _lbfgs}


def train_torch(X: np.ndarray, Y: np.ndarray, *, width: int, activation: str, optimizer: str, seed: int,
                threads: int = 1, **options):
    """Train Linear(n, width) → σ → Linear(width, m) (float64, CPU, full batch, mean squared error) on X (N, n),
    Y (N, m) with ``optimizer`` 'adam' or 'lbfgs'; the best parameters seen are loaded at the end.

    ``activation`` is uat's name (one of TORCH_ACTIVATIONS). Returns (model, facts, history): facts
    ``loss`` (the best: the returned model's), ``optimizer_loss`` (the last evaluated), ``iterations``,
    ``status``, ``outcome`` and ``message`` (:mod:`uat.fitting.status`), ``threads``; history ``iteration``,
    ``loss``, ``seconds`` per loss evaluation (Adam: one per step from step 0; L-BFGS's line search evaluates
    more often than it iterates). torch's thread count is set to ``threads`` while training and restored
    afterwards.
    """
    torch = _require("torch", f"torch_{optimizer}")
    sigma = _torch_sigma(torch, activation)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = _module(torch, X.shape[1], width, Y.shape[1], sigma)
        Xt, Yt = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
        best = _Best(model.parameters())

        def loss():  # uat's loss: the mean over points of ‖r‖² (torch's MSELoss would also divide by m)
            return ((model(Xt) - Yt) ** 2).sum(dim=1).mean()

        facts = _TORCH_OPTIMIZERS[optimizer](torch, model, loss, best, **options)
        with torch.no_grad():
            facts["optimizer_loss"] = best.see(loss())
        best.restore(torch)
    finally:
        torch.set_num_threads(previous)
    history = {"iteration": np.arange(len(best.losses)), "loss": np.asarray(best.losses),
               "seconds": np.asarray(best.seconds)}
    return model, {**facts, "loss": best.loss, "threads": threads}, history


def torch_to_network(model, activation: str) -> ShallowNetwork:
    """The trained Sequential(Linear, σ, Linear) as g(x) = C σ(Ax + b) + d."""
    hidden, _, output = model

    def array(tensor):
        return tensor.detach().cpu().numpy().astype(np.float64, copy=True)

    return ShallowNetwork(array(hidden.weight), array(hidden.bias), array(output.weight), activation,
                          d=array(output.bias))


def _fit_torch(optimizer: str):
    method = f"torch_{optimizer}"

    def fit(problem: Problem, *, n_samples, sampling, **options) -> Fitted:
        act = problem.activation.name  # one of TORCH_ACTIVATIONS: uat.fit checks Method.activations first
        X, Y, resolved = _points(problem, n_samples, sampling)
        seed = _peer_seed(problem)
        model, facts, history = train_torch(X, Y, width=problem.width, activation=act, optimizer=optimizer,
                                            seed=seed, **options)
        import torch

        if facts["status"] == "diverged":
            warnings.warn(f"{method}: training diverged (non-finite loss) after {facts['iterations']} iterations; "
                          f"returning the best parameters seen (loss {facts['loss']:.3g}); lower lr",
                          ConvergenceWarning, stacklevel=3)
        diagnostics = {**resolved, "peer": f"PyTorch {torch.__version__} {optimizer}", "peer_seed": seed, **facts}
        return Fitted(torch_to_network(model, act), X, Y, diagnostics, history)

    return fit


# --- random Fourier features ---------------------------------------------------------------------------------

def train_fourier(X: np.ndarray, Y: np.ndarray, *, width: int, gamma: float, alpha: float, solver: str, seed: int,
                  threads: int = 1):
    """RBFSampler(gamma, n_components=width, random_state=seed) features of X (N, n), then Ridge(alpha,
    solver, fit_intercept=True) on Y (N, m), every BLAS pool limited to ``threads``. Returns (sampler,
    ridge, warnings given, as strings)."""
    _require("sklearn", "random_fourier")
    from sklearn.kernel_approximation import RBFSampler
    from sklearn.linear_model import Ridge

    X = np.asarray(X, dtype=np.float64)
    # the warnings (e.g. scipy's LinAlgWarning from solver='cholesky') go to the diagnostics
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(threads):
        warnings.simplefilter("always")
        sampler = RBFSampler(gamma=gamma, n_components=width, random_state=seed).fit(X)
        ridge = Ridge(alpha=alpha, fit_intercept=True, solver=solver).fit(sampler.transform(X), Y)
    return sampler, ridge, [f"{w.category.__name__}: {' '.join(str(w.message).split())}" for w in caught]


def fourier_to_network(sampler, ridge) -> ShallowNetwork:
    """The random-feature model as g(x) = C cos(Ax + b) + d: A = Wᵀ, b = o, C = √(2/k)·coef_, d = intercept_."""
    k = sampler.random_weights_.shape[1]
    C = np.atleast_2d(ridge.coef_) * np.sqrt(2.0 / k)
    return ShallowNetwork(sampler.random_weights_.T, sampler.random_offset_, C, "cos",
                          d=np.atleast_1d(ridge.intercept_))


def default_gamma(domain) -> float:
    """γ = 16/R² (R = diameter/2): the rows of A are N(0, 2γ I), so |ω| ~ 5.7/R, about two periods of cos
    across K in each direction. Measured (1-D, [-1, 1], N = 2048, α = 1e-12, median of 3 seeds): on sin 2πx
    at width 16, sup error 3.4e-5 with γ = 8/R², 3.1e-6 with 16/R², 1.2e-5 with 32/R²; Runge's function
    wants ever larger γ at large widths (width 64: 1.5e-2 with 16/R², 1.9e-3 with 64/R²)."""
    return 16.0 / (domain.diameter / 2 or 1.0) ** 2  # a one-point set has diameter 0


def _fit_random_fourier(problem: Problem, *, n_samples, sampling, gamma, alpha, solver, threads) -> Fitted:
    # σ is cos: uat.fit checks Method.activations before any method runs
    X, Y, resolved = _points(problem, n_samples, sampling)
    seed = _peer_seed(problem)
    gamma = default_gamma(problem.target.domain) if gamma is None else gamma
    sampler, ridge, notes = train_fourier(X, Y, width=problem.width, gamma=gamma, alpha=alpha, solver=solver,
                                          seed=seed, threads=threads)
    import sklearn

    diagnostics = {**resolved, "peer": f"scikit-learn {sklearn.__version__} RBFSampler + Ridge", "peer_seed": seed,
                   "gamma": gamma, "alpha": alpha, "solver": solver, "threads": threads, "warnings": notes}
    return Fitted(fourier_to_network(sampler, ridge), X, Y, diagnostics)


# --- the options ---------------------------------------------------------------------------------------------

def _check_decay(name: str, value):
    if not 0 <= check_real(name, value) < 1:
        raise ValueError(f"{name} must lie in [0, 1); got {value}")
    return value


def _check_batch_size(name: str, value):
    if value == "auto":
        return value
    if isinstance(value, str):
        raise ValueError(f"batch_size must be 'auto' or an integer >= 1; got {value!r}")
    return check_int(name, value)


def _installed(package: str, method: str):
    """The options' last check: the package is there (imported now, so its import is not the first fit's time)."""
    def check(options: dict) -> None:
        _check_installed(package, method)
    return check


_BLAS_THREADS = Option(1, "every BLAS pool limited to this many threads while the peer fits, restored afterwards "
                       "(default 1: deterministic; scipy's L-BFGS-B on two threads ran 20x slower beside another "
                       "busy process)", check_int)
_TORCH_THREADS = Option(1, "torch.set_num_threads while training, restored afterwards (default 1: deterministic, "
                        "and fair inside parallel study workers)", check_int)

_MLP_OPTIONS = {
    **_POINT_OPTIONS,
    "solver": Option("lbfgs", "lbfgs, adam or sgd (default lbfgs)",
                     as_given(partial(check_choice, choices=("lbfgs", "adam", "sgd")))),
    "max_iter": Option(5000, "lbfgs: iterations at most; adam/sgd: epochs", check_int),
    "max_fun": Option(15000, "lbfgs: loss evaluations at most", check_int),
    "alpha": Option(0.0, "L2 penalty (default 0: plain least squares, as the other methods)", _NONNEGATIVE),
    "tol": Option(0.0, "lbfgs: gtol; adam/sgd: loss improvement below which n_iter_no_change epochs stop",
                  _NONNEGATIVE),
    "learning_rate_init": Option(1e-3, "adam/sgd step size", _POSITIVE),
    "batch_size": Option("auto", "adam/sgd minibatch size ('auto': min(200, N))", _check_batch_size),
    "n_iter_no_change": Option(10, "adam/sgd: epochs without tol improvement before stopping", check_int),
    "threads": _BLAS_THREADS,
}

_ADAM_OPTIONS = {
    **_POINT_OPTIONS,
    "lr": Option(1e-2, "learning rate (default 1e-2; torch's own default 1e-3 ended 1.2-6x higher at 10000 steps on "
                 "sin 2πx, sin 2πx + ½|x| and Runge, widths 4, 16, 64, N = 1024, seed 0)", _POSITIVE),
    "max_iter": Option(10000, "Adam steps", check_int),
    "beta1": Option(0.9, "first-moment decay", _check_decay),
    "beta2": Option(0.999, "second-moment decay", _check_decay),
    "eps": Option(1e-8, "denominator guard", _POSITIVE),
    "threads": _TORCH_THREADS,
}

_LBFGS_OPTIONS = {
    **_POINT_OPTIONS,
    "lr": Option(1.0, "step length before the line search", _POSITIVE),
    "max_iter": Option(5000, "L-BFGS iterations at most", check_int),
    "max_eval": Option(None, "loss evaluations at most (default 1.25·max_iter)", optional(check_int)),
    "history_size": Option(100, "correction pairs kept", check_int),
    "line_search_fn": Option("strong_wolfe", "strong_wolfe or none",
                             optional(as_given(partial(check_choice, choices=("strong_wolfe", "none"))))),
    "tolerance_grad": Option(0.0, "stop when the gradient's largest entry is <= this (default 0: run the budget)",
                             _NONNEGATIVE),
    "tolerance_change": Option(0.0, "stop when the loss or a step changes by less than this, absolute (default 0)",
                               _NONNEGATIVE),
    "threads": _TORCH_THREADS,
}

_FOURIER_OPTIONS = {
    **_POINT_OPTIONS,
    "gamma": Option(None, "RBF kernel exp(-γ‖x − y‖²): rows of A ~ N(0, 2γ I) (default 16/R², R = diameter/2)",
                    optional(_POSITIVE)),
    "alpha": Option(1e-12, "Ridge penalty α‖coef‖² beside the residual's sum of squares (default 1e-12; measured on "
                    "sin 2πx, N = 2048, width 32: sup error 1.3e-7, against 1.7e-5 with α = 1e-8)", _NONNEGATIVE),
    "solver": Option("svd", "Ridge's solver (default svd: no normal equations)",
                     as_given(partial(check_choice, choices=("svd", "cholesky", "lsqr", "sparse_cg", "auto")))),
    "threads": _BLAS_THREADS,
}


# --- registration ---------------------------------------------------------------------------------------------

register_method(Method.declare(
    "sklearn_mlp", _fit_sklearn_mlp,
    "peer: scikit-learn's MLPRegressor, one hidden layer, output bias (needs scikit-learn)",
    _MLP_OPTIONS, check=_installed("sklearn", "sklearn_mlp"), activations=tuple(SKLEARN_ACTIVATIONS)))
register_method(Method.declare(
    "torch_adam", _fit_torch("adam"),
    "peer: PyTorch Linear-σ-Linear, Adam, float64 full batch, output bias (needs PyTorch)",
    _ADAM_OPTIONS, check=_installed("torch", "torch_adam"), activations=TORCH_ACTIVATIONS))
register_method(Method.declare(
    "torch_lbfgs", _fit_torch("lbfgs"),
    "peer: PyTorch Linear-σ-Linear, L-BFGS (strong Wolfe), float64 full batch, output bias (needs PyTorch)",
    _LBFGS_OPTIONS, check=_installed("torch", "torch_lbfgs"), activations=TORCH_ACTIVATIONS))
register_method(Method.declare(
    "random_fourier", _fit_random_fourier,
    "peer: scikit-learn's RBFSampler + Ridge, C cos(Ax + b) + d with random A, b (cos only; needs scikit-learn)",
    _FOURIER_OPTIONS, check=_installed("sklearn", "random_fourier"), draws_hidden=True, activations=("cos",)))
