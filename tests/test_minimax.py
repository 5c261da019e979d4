"""Minimax on C against classical best uniform approximations and against least squares."""

import numpy as np
import pytest

from uat.fitting.lstsq import lstsq_solve
from scipy import sparse
from scipy.optimize import OptimizeResult

import uat.fitting.minimax
from uat.fitting.minimax import chebyshev_lp, minimax_exchange, minimax_solve, orthonormal_basis


def _monomials(x, degree):
    return np.vander(x, degree + 1, increasing=True)


def test_best_quadratic_approximation_of_abs():
    # E₂(|x|) on [-1, 1] is 1/8: p(x) = x² + 1/8 equioscillates at 0, ±1/2, ±1.
    x = np.linspace(-1, 1, 2001)  # contains 0, ±1/2, ±1
    C, level = minimax_solve(_monomials(x, 2), np.abs(x))
    assert level == pytest.approx(1 / 8, abs=1e-9)
    np.testing.assert_allclose(C[0], [1 / 8, 0, 1], atol=1e-8)


def test_best_line_for_x_squared_equioscillates():
    # E₁(x²) on [0, 1] is 1/8 with p(x) = x − 1/8; the error alternates at 0, 1/2, 1 (n + 2 = 3 points).
    x = np.linspace(0, 1, 1001)
    C, level = minimax_solve(_monomials(x, 1), x**2)
    assert level == pytest.approx(1 / 8, abs=1e-9)
    error = x**2 - _monomials(x, 1) @ C[0]
    extremes = x[np.abs(np.abs(error) - level) < 1e-9]
    np.testing.assert_allclose(extremes, [0, 0.5, 1], atol=1e-12)
    assert np.all(np.sign(error[np.isin(x, extremes)]) == [1, -1, 1])


def test_minimax_never_loses_to_least_squares_on_the_same_points():
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-1, 1, 400))
    Phi = np.tanh(np.outer(x, rng.normal(0, 3, 12)) + rng.normal(0, 1, 12))
    y = np.sqrt(np.abs(x))
    C, level = minimax_solve(Phi, y)
    lstsq_max = np.max(np.abs(Phi @ lstsq_solve(Phi, y).C[0] - y))
    assert np.max(np.abs(Phi @ C[0] - y)) == pytest.approx(level, rel=1e-6)
    assert level <= lstsq_max * (1 + 1e-9)
    assert level < 0.9 * lstsq_max  # and here it is clearly better


def test_errors_far_below_the_lp_tolerance_are_resolved():
    # HiGHS works to ~1e-7 absolute; posing the LP on the scaled least-squares residual must still
    # find the best degree-8 approximation of exp on [-1, 1], whose error E₈ is about 1.1e-8.
    x = np.cos(np.linspace(0, np.pi, 2001))
    C, level = minimax_solve(_monomials(x, 8), np.exp(x))
    # Sandwich: level (best on the points) <= E₈ <= sup over [-1, 1] of this solution's error.
    dense = np.linspace(-1, 1, 1_000_001)
    sup = np.max(np.abs(np.exp(dense) - _monomials(dense, 8) @ C[0]))
    assert level <= sup <= level * (1 + 1e-4)
    # Bernstein's asymptotic E_n(exp) ~ 1/(2^n (n+1)!) = 1.08e-8 for n = 8, to O(1/n).
    assert level == pytest.approx(1 / (2**8 * 362880), rel=0.05)


def test_several_outputs_are_solved_independently():
    x = np.linspace(-1, 1, 801)
    Y = np.stack([np.abs(x), x**2], axis=1)
    C, level = minimax_solve(_monomials(x, 1), Y)
    # |x| by a line: 1/2; x² by a line on [-1, 1]: 1/2 (p = 1/2). The level is the larger.
    assert level == pytest.approx(0.5, abs=1e-9)
    assert C.shape == (2, 2)


def test_orthonormal_basis_spans_the_features_and_drops_invisible_directions():
    rng = np.random.default_rng(1)
    Phi = rng.standard_normal((100, 6))
    Phi[:, 5] = Phi[:, 0] + Phi[:, 1]  # dependent column
    T = orthonormal_basis(Phi)
    B = Phi @ T
    assert T.shape == (6, 5)
    np.testing.assert_allclose(B.T @ B, np.eye(5), atol=1e-12)
    projection = B @ (B.T @ Phi)
    np.testing.assert_allclose(projection, Phi, atol=1e-10)


def test_exchange_reaches_the_sup_over_the_finer_set():
    # Features tanh(a(x − p)); target |x|. The check set is 16 times finer than the initial points.
    rng = np.random.default_rng(2)
    a, p = rng.uniform(2, 20, 30), rng.uniform(-1, 1, 30)
    features = lambda X: np.tanh(a * (X - p))  # noqa: E731  (X is (N, 1))
    X = np.linspace(-1, 1, 120)[:, None]
    X_check = np.linspace(-1, 1, 1921)[:, None]
    sol = minimax_exchange(features, X, np.abs(X), X_check, np.abs(X_check), max_rounds=20)
    assert sol.converged and sol.rounds > 1 and sol.n_active > X.shape[0]
    check_max = np.max(np.abs(features(X_check) @ sol.C[0] - np.abs(X_check[:, 0])))
    assert check_max == pytest.approx(sol.max_error, rel=1e-12)
    assert check_max <= sol.level * (1 + 1e-3) + 1e-12
    # Solving on the initial points alone leaves a larger error on the finer set.
    C0, _ = minimax_solve(features(X), np.abs(X))
    assert np.max(np.abs(features(X_check) @ C0[0] - np.abs(X_check[:, 0]))) > check_max


def test_exchange_warns_when_it_runs_out_of_rounds():
    from uat.exceptions import ConvergenceWarning

    rng = np.random.default_rng(3)
    a, p = rng.uniform(2, 20, 30), rng.uniform(-1, 1, 30)
    features = lambda X: np.tanh(a * (X - p))  # noqa: E731
    X = np.linspace(-1, 1, 40)[:, None]
    X_check = np.linspace(-1, 1, 4001)[:, None]
    with pytest.warns(ConvergenceWarning, match=r"stopped after 1 rounds"):
        sol = minimax_exchange(features, X, np.abs(X), X_check, np.abs(X_check), max_rounds=1)
    assert not sol.converged



def test_exchange_needs_at_least_one_round():
    X = np.linspace(-1, 1, 20)[:, None]
    with pytest.raises(ValueError, match=r"max_rounds must be an integer >= 1; got 0"):
        minimax_exchange(lambda Z: Z, X, X, X, X, max_rounds=0)


def test_bad_shapes_and_values():
    with pytest.raises(ValueError, match=r"same N"):
        minimax_solve(np.ones((5, 2)), np.ones(4))
    Phi = np.ones((5, 2))
    Phi[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"Phi must be finite; got nan at row 2, column 1"):
        minimax_solve(Phi, np.ones(5))


# --- chebyshev_lp: the one LP min t subject to |r − B d| ≤ t ----------------------------------------

def test_chebyshev_lp_finds_the_best_constant_and_the_best_line():
    r = np.array([3.0, -1.0, 0.5, 2.0])
    d, t = chebyshev_lp(np.ones((4, 1)), r)  # best constant: the midrange, off by half the range
    assert d == pytest.approx([1.0], abs=1e-12) and t == pytest.approx(2.0, abs=1e-12)
    x = np.linspace(0, 1, 101)
    d, t = chebyshev_lp(_monomials(x, 1), x**2)  # E₁(x²) on [0, 1]: 1/8 with p(x) = x − 1/8
    assert t == pytest.approx(1 / 8, abs=1e-9)
    np.testing.assert_allclose(d, [-1 / 8, 1], atol=1e-9)


def test_chebyshev_lp_is_posed_on_max_abs_scaled_columns():
    # Scaling a column by 1e8 scales its coefficient by 1e-8 and leaves the optimum alone.
    x = np.linspace(-1, 1, 201)
    B = _monomials(x, 2)
    d, t = chebyshev_lp(B, np.abs(x))
    d_s, t_s = chebyshev_lp(B * [1.0, 1e8, 1e-8], np.abs(x))
    assert t_s == pytest.approx(t, rel=1e-9) and t == pytest.approx(1 / 8, abs=1e-9)
    np.testing.assert_allclose(d_s * [1.0, 1e8, 1e-8], d, atol=1e-9)


def test_chebyshev_lp_gives_the_same_bits_for_dense_and_sparse_b():
    rng = np.random.default_rng(4)
    B = rng.standard_normal((60, 5)) * [1, 10, 0.1, 3, 1]
    B[rng.random(B.shape) < 0.3] = 0.0
    B[:, 3] = 0.0  # a zero column keeps the scale 1
    r = rng.standard_normal(60)
    d, t = chebyshev_lp(B, r)
    for S in (sparse.csr_array(B), sparse.csc_array(B), sparse.coo_matrix(B)):
        d_s, t_s = chebyshev_lp(S, r)
        assert d_s.tobytes() == d.tobytes() and t_s == t
    assert d[3] == 0.0


def test_chebyshev_lp_falls_back_and_names_the_failure(monkeypatch):
    tried = []

    def failing(*args, method, **kwargs):
        tried.append(method)
        return OptimizeResult(status=4, message="numerical difficulties", x=None)

    monkeypatch.setattr(uat.fitting.minimax, "linprog", failing)
    with pytest.raises(RuntimeError, match=r"^the minimax linear program with 2 basis functions and 7 points failed "
                                           r"in HiGHS \(dual simplex and interior point; status 4: numerical "
                                           r"difficulties\); fewer units"):
        minimax_solve(_monomials(np.linspace(0, 1, 7), 1), np.linspace(0, 1, 7) ** 2)
    assert tried == ["highs-ds", "highs-ipm"]
    with pytest.raises(RuntimeError, match=r"^the test LP with 1 basis functions and 3 points failed in HiGHS "
                                           r"\(HiGHS's choice of solver; status 4: .*\); smaller$"):
        chebyshev_lp(np.ones((3, 1)), np.zeros(3), solvers=["highs"], problem="the test LP", hint="smaller")


def test_chebyshev_lp_refuses_bad_input():
    with pytest.raises(ValueError, match=r"r must have shape \(4,\), one value per row of B \(4, 2\); "
                                         r"got shape \(3,\)"):
        chebyshev_lp(np.ones((4, 2)), np.ones(3))
    with pytest.raises(ValueError, match=r"unknown solvers 'highs-dual'.*accepted: highs-ds, highs-ipm, highs"):
        chebyshev_lp(np.ones((4, 1)), np.ones(4), solvers=("highs-dual",))
    for solvers in ((), "highs"):
        with pytest.raises(TypeError, match=r"solvers must be a non-empty sequence of highs-ds, highs-ipm, highs"):
            chebyshev_lp(np.ones((4, 1)), np.ones(4), solvers=solvers)
