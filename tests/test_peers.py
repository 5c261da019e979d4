"""The peers (scikit-learn, PyTorch) as uat methods: weight conversion, accuracy, refusals, determinism, studies."""

import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import uat
from uat.fitting import peers
from uat.fitting.peers import PeerNotInstalledError
from uat.study import load_networks, run_study

# Fresh points well outside the training set's grid, and a 2-in, 2-out target: A (k, 2) and C (2, k) are not
# square, so a transposed weight matrix fails the comparison.
RNG = np.random.default_rng(12345)
X_FRESH = RNG.uniform(-1.3, 1.3, size=(500, 2))
X_TRAIN = RNG.uniform(-1.0, 1.0, size=(200, 2))
Y_TRAIN = np.column_stack([np.sin(3 * X_TRAIN[:, 0]) * X_TRAIN[:, 1], np.cos(X_TRAIN.sum(axis=1)) + 2.0])


def _relative(ours, theirs):
    return np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs))


# --- the weight conversion reproduces the peer's own predictions -----------------------------------------------

@pytest.mark.parametrize("activation", sorted(peers.SKLEARN_ACTIVATIONS))
def test_mlp_conversion_reproduces_predict(activation):
    pytest.importorskip("sklearn")
    model, _ = peers.train_mlp(X_TRAIN, Y_TRAIN, width=7, activation=peers.SKLEARN_ACTIVATIONS[activation], seed=3,
                               solver="lbfgs", max_iter=50)
    assert model.coefs_[0].dtype == np.float64
    network = peers.mlp_to_network(model, activation)
    assert network.d is not None and np.any(network.d != 0)
    assert _relative(network(X_FRESH), model.predict(X_FRESH)) < 1e-12


def test_torch_activations_are_uats():
    # The mapping is only for σ that torch computes by uat's formula; on z in [-40, 40] (softplus beyond 20,
    # where F.softplus would switch to z, gaussian where it underflows) they agree to rounding.
    torch = pytest.importorskip("torch")
    z = np.linspace(-40.0, 40.0, 8001)
    for name in peers.TORCH_ACTIVATIONS:
        ours = uat.get_activation(name)(z)
        theirs = peers._torch_sigma(torch, name)(torch.from_numpy(z)).numpy()
        np.testing.assert_allclose(theirs, ours, rtol=4 * np.finfo(float).eps, atol=1e-15, err_msg=name)


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_torch_conversion_reproduces_forward(optimizer):
    torch = pytest.importorskip("torch")
    budget = {"adam": dict(lr=1e-2, max_iter=30, beta1=0.9, beta2=0.999, eps=1e-8),
              "lbfgs": dict(lr=1.0, max_iter=20, max_eval=None, history_size=10, line_search_fn="strong_wolfe",
                            tolerance_grad=0.0, tolerance_change=0.0)}[optimizer]
    for activation in ("tanh", "softplus", "gelu", "gaussian"):
        model, facts, history = peers.train_torch(X_TRAIN, Y_TRAIN, width=7, activation=activation, optimizer=optimizer,
                                         seed=3, **budget)
        assert all(p.dtype == torch.float64 for p in model.parameters())
        network = peers.torch_to_network(model, activation)
        with torch.no_grad():
            theirs = model(torch.from_numpy(X_FRESH)).numpy()
        assert _relative(network(X_FRESH), theirs) < 1e-12, activation
        # the model holds the best parameters seen: its training loss is the recorded one
        assert np.mean(np.sum((network(X_TRAIN) - Y_TRAIN) ** 2, axis=1)) == pytest.approx(facts["loss"], rel=1e-10)
        assert facts["loss"] == np.min(history["loss"]) and facts["optimizer_loss"] == history["loss"][-1]


def test_fourier_conversion_reproduces_ridge():
    pytest.importorskip("sklearn")
    sampler, ridge, _ = peers.train_fourier(X_TRAIN, Y_TRAIN, width=40, gamma=2.0, alpha=1e-6, solver="svd", seed=3)
    network = peers.fourier_to_network(sampler, ridge)
    assert network.activation.name == "cos" and network.d.shape == (2,)
    assert _relative(network(X_FRESH), ridge.predict(sampler.transform(X_FRESH))) < 1e-12


# --- as uat methods ------------------------------------------------------------------------------------------

# sin 2πx on [-1, 1], width 16, seed 0. Measured sup errors (seeds 0-5): sklearn_mlp 5.0e-3-2.2e-2 (8.4e-3 at
# seed 0), torch_adam with 1500 steps on 256 points 1.6e-2-0.15 (3.1e-2), torch_lbfgs with 300 iterations
# 2.4e-3-1.9e-2 (6.2e-3), random_fourier 5.0e-7-7.3e-5 (1.2e-6). The bounds sit 3x or more above seed 0's.
EASY = [("sklearn_mlp", "tanh", {}, 5e-2),
        ("torch_adam", "tanh", dict(n_samples=256, max_iter=1500), 1e-1),
        ("torch_lbfgs", "tanh", dict(n_samples=256, max_iter=300), 5e-2),
        ("random_fourier", "cos", {}, 1e-5)]
PACKAGE = {"sklearn_mlp": "sklearn", "torch_adam": "torch", "torch_lbfgs": "torch", "random_fourier": "sklearn"}


@pytest.mark.parametrize("method, activation, options, bound", EASY, ids=[e[0] for e in EASY])
def test_peer_fits_an_easy_target_and_is_deterministic(method, activation, options, bound):
    pytest.importorskip(PACKAGE[method])
    result = uat.fit("sin(2*pi*x)", "[-1,1]", width=16, activation=activation, method=method, seed=0, **options)
    net = result.network
    assert net.d is not None and net.width == 16 and net.activation.name == activation
    assert result.sup_error().value < bound
    # the FitResult is built as for uat's methods: training errors on backprop's (equispaced) points
    assert result.n_samples == options.get("n_samples", 2048) == result.diagnostics["n_samples"]
    assert result.diagnostics["sampling"] == "grid" and "peer_seed" in result.diagnostics
    assert 0 < result.train_rms <= result.train_max < bound
    assert uat.fitting.get_method(method).draws_hidden == (method == "random_fourier")
    again = uat.fit("sin(2*pi*x)", "[-1,1]", width=16, activation=activation, method=method, seed=0, **options)
    for name in ("A", "b", "C", "d"):
        np.testing.assert_array_equal(getattr(again.network, name), getattr(net, name), err_msg=name)
    other = uat.fit("sin(2*pi*x)", "[-1,1]", width=16, activation=activation, method=method, seed=1,
                    **{**options, "n_samples": 64})
    assert not np.array_equal(other.network.A, net.A)


def test_torch_leaves_threads_and_global_generator_alone():
    torch = pytest.importorskip("torch")
    previous = torch.get_num_threads()
    torch.set_num_threads(1)  # a value the fit's threads=2 differs from, so that not restoring it shows
    threads, state = torch.get_num_threads(), torch.random.get_rng_state()
    try:
        result = uat.fit("runge", width=4, method="torch_adam", n_samples=32, max_iter=5, threads=2)
    finally:
        after = torch.get_num_threads()
        torch.set_num_threads(previous)
    assert after == threads == 1
    assert result.diagnostics["threads"] == 2 and result.diagnostics["iterations"] == 5
    assert list(result.history["iteration"]) == [0, 1, 2, 3, 4, 5]  # step 0's loss, then one per step
    assert result.diagnostics["peer"].startswith(f"PyTorch {torch.__version__}")
    assert torch.equal(torch.random.get_rng_state(), state)


def test_sklearn_convergence_warning_goes_to_the_diagnostics():
    pytest.importorskip("sklearn")  # pytest turns warnings into errors: this passes only if it is caught
    result = uat.fit("runge", width=8, method="sklearn_mlp", max_iter=3, n_samples=64)
    assert result.diagnostics["iterations"] == 3
    assert result.diagnostics["status"].startswith("stopped: lbfgs failed to converge")


# --- refusals --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, activation, message", [
    ("sklearn_mlp", "softplus", r"method 'sklearn_mlp' does not support activation 'softplus'; accepted: tanh, "
                                r"sigmoid, relu, identity"),
    ("torch_adam", "heaviside", r"method 'torch_adam' does not support activation 'heaviside'; accepted: tanh, "),
    ("torch_lbfgs", "heaviside", r"method 'torch_lbfgs' does not support activation 'heaviside'"),
    ("random_fourier", "tanh", r"method 'random_fourier' does not support activation 'tanh'; accepted: cos: pass "
                               r"activation='cos' \(in a study, \[methods.random_fourier\] activations = \[\"cos\"\] "
                               r"crosses it with these only, each of them in grid.activation\)"),
])
def test_unsupported_activations_are_refused(method, activation, message):
    pytest.importorskip(PACKAGE[method])
    with pytest.raises(ValueError, match=message):
        uat.fit("runge", width=4, activation=activation, method=method)


@pytest.mark.parametrize("method, options, error, message", [
    ("sklearn_mlp", {"solver": "newton"}, ValueError, r"unknown solver 'newton'; accepted: lbfgs, adam, sgd"),
    ("sklearn_mlp", {"max_iter": 0}, ValueError, r"max_iter must be an integer >= 1; got 0"),
    ("sklearn_mlp", {"alpha": -1.0}, ValueError, r"alpha must be >= 0.0; got -1.0"),
    ("sklearn_mlp", {"batch_size": "big"}, ValueError, r"batch_size must be 'auto' or an integer >= 1; got 'big'"),
    ("torch_adam", {"lr": 0.0}, ValueError, r"lr must be > 0; got 0.0"),
    ("torch_adam", {"beta2": 1.0}, ValueError, r"beta2 must lie in \[0, 1\); got 1.0"),
    ("torch_adam", {"threads": 0}, ValueError, r"threads must be an integer >= 1; got 0"),
    ("torch_lbfgs", {"line_search_fn": "armijo"}, ValueError,
     r"unknown line_search_fn 'armijo'; accepted: strong_wolfe, none"),
    ("torch_lbfgs", {"tolerance_grad": "small"}, TypeError, r"tolerance_grad must be a real number; got 'small'"),
    ("random_fourier", {"gamma": 0}, ValueError, r"gamma must be > 0; got 0.0"),
    ("random_fourier", {"n_samples": 0}, ValueError, r"n_samples must be an integer >= 1; got 0"),
    ("random_fourier", {"sampling": "random"}, ValueError, r"unknown sampling 'random'"),
    ("random_fourier", {"lr": 0.1}, TypeError, r"unknown option 'lr' for method 'random_fourier'; accepted: "),
])
def test_bad_options_are_refused_before_any_work(method, options, error, message):
    with pytest.raises(error, match=message):
        uat.fit("runge", width=4, activation="cos" if method == "random_fourier" else "tanh", method=method,
                **options)


@pytest.mark.parametrize("method, package, message", [
    ("torch_adam", "torch", "method 'torch_adam' needs PyTorch: pip install torch==2.13.0 (CPU build), "
                            "or pip install 'uat[torch]'"),
    ("torch_lbfgs", "torch", "method 'torch_lbfgs' needs PyTorch: pip install torch==2.13.0 (CPU build), "
                             "or pip install 'uat[torch]'"),
    ("sklearn_mlp", "sklearn", "method 'sklearn_mlp' needs scikit-learn: pip install 'uat[sklearn]'"),
    ("random_fourier", "sklearn", "method 'random_fourier' needs scikit-learn: pip install 'uat[sklearn]'"),
])
def test_a_missing_package_names_its_extra(monkeypatch, method, package, message):
    monkeypatch.setitem(sys.modules, package, None)  # `import torch` now fails as if it were not installed
    activation = "cos" if method == "random_fourier" else "tanh"
    with pytest.raises(PeerNotInstalledError, match="^" + re.escape(message) + "$"):
        uat.fit("runge", width=4, activation=activation, method=method)  # refused by the option check
    train = peers.train_torch if package == "torch" else peers.train_mlp  # and by the import itself
    with pytest.raises(ImportError, match="needs"):
        train(X_TRAIN, Y_TRAIN, width=2, activation="tanh", seed=0, **({"optimizer": "adam"} if package == "torch"
                                                                           else {}))


def test_uat_imports_and_lists_the_peers_without_torch_or_sklearn():
    # An import hook makes both packages uninstallable (sys.modules[...] = None would trip scipy's own
    # array-API check of sys.modules["torch"]).
    code = textwrap.dedent("""
        import sys

        class NotInstalled:
            def find_spec(self, name, path=None, target=None):
                if name.partition(".")[0] in ("torch", "sklearn"):
                    raise ModuleNotFoundError(f"No module named {name!r}")

        sys.meta_path.insert(0, NotInstalled())
        import uat
        assert {"sklearn_mlp", "torch_adam", "torch_lbfgs", "random_fourier"} <= set(uat.list_methods())
        for method in ("torch_lbfgs", "random_fourier"):
            try:
                uat.fit("runge", width=4, activation="cos", method=method)
            except ImportError as err:
                print(err)
        assert "torch" not in sys.modules and "sklearn" not in sys.modules
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "method 'torch_lbfgs' needs PyTorch: pip install torch==2.13.0 (CPU build), or pip install 'uat[torch]'",
        "method 'random_fourier' needs scikit-learn: pip install 'uat[sklearn]'"]


# --- in a study ------------------------------------------------------------------------------------------------

@pytest.mark.slow  # 3 s: a study of the peers; CI's slow step runs it
def test_a_study_crosses_each_peer_with_its_activations(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("torch")
    path = tmp_path / "peers.toml"
    path.write_text(textwrap.dedent("""
        name = "tiny-peers"
        domain = "[-1,1]"
        [grid]
        target = ["sin(2*pi*x)"]
        activation = ["tanh", "cos"]
        width = [3, 6]
        method = ["sklearn_mlp", "torch_adam", "random_fourier"]
        repeats = 1
        [methods.random_fourier]
        activations = ["cos"]
        [methods.sklearn_mlp]
        activations = ["tanh"]
        max_iter = 50
        n_samples = 64
        [methods.torch_adam]
        activations = ["tanh"]
        max_iter = 20
        n_samples = 64
    """))
    results = run_study(path, tmp_path / "out", jobs=1)
    assert list(results["status"].unique()) == ["ok"], results["error"].unique()
    pairs = set(zip(results["method"], results["activation"]))
    assert pairs == {("sklearn_mlp", "tanh"), ("torch_adam", "tanh"), ("random_fourier", "cos")}
    assert len(results) == 6
    networks = load_networks(tmp_path / "out", results["cell_id"])
    assert all(net is not None and net.d is not None for net in networks.values())


def test_sklearn_peers_restore_the_blas_limits():
    pytest.importorskip("sklearn")
    from threadpoolctl import threadpool_info, threadpool_limits

    with threadpool_limits(2):
        before = [p["num_threads"] for p in threadpool_info()]
        uat.fit("runge", width=4, method="sklearn_mlp", n_samples=32, max_iter=5, threads=1)
        assert [p["num_threads"] for p in threadpool_info()] == before


def test_torch_loss_is_uats_mean_over_points_of_the_squared_norm():
    """For m > 1 outputs, torch's MSELoss would divide by N·m; uat's loss divides by N."""
    pytest.importorskip("torch")
    result = uat.fit("circle", width=8, method="torch_adam", n_samples=64, max_iter=50)
    assert np.isclose(np.sqrt(result.diagnostics["loss"]), result.train_rms, rtol=1e-9)


def test_a_study_pairing_a_peer_with_an_activation_it_lacks_is_refused_before_any_work(tmp_path):
    pytest.importorskip("sklearn")
    text = """
name = "bad"
domain = "[-1,1]"
[grid]
target = ["sin(2*pi*x)"]
activation = ["tanh", "softplus"]
width = [4]
method = ["lstsq", "sklearn_mlp"]
"""
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(uat.study.StudyConfigError, match=r"methods.sklearn_mlp: does not support activation "
                       r"\"softplus\" \(accepted: tanh, sigmoid, relu, identity\); cross it with the others only: "
                       r'\[methods.sklearn_mlp\] activations = \["tanh"\]'):
        uat.study.load_config(path)
    with pytest.raises(ValueError, match="method 'sklearn_mlp' does not support activation 'softplus'"):
        uat.fit("sin(2*pi*x)", "[-1,1]", width=4, activation="softplus", method="sklearn_mlp")
