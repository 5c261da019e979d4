"""Least squares on C: agreement with LAPACK's reference solver, invariants, the all-widths path."""

import numpy as np
import pytest

from uat.exceptions import IllConditionedWarning
from uat.fitting.lstsq import lstsq_path, lstsq_solve

EPS = np.finfo(float).eps


def _problem(N=300, k=25, m=2, seed=0):
    rng = np.random.default_rng(seed)
    Phi = rng.standard_normal((N, k)) * rng.uniform(1e-3, 1e3, k)  # badly scaled columns
    Y = rng.standard_normal((N, m))
    return Phi, Y


@pytest.mark.parametrize("solver", ["qr", "svd", "auto"])
def test_matches_reference_solution(solver):
    Phi, Y = _problem()
    reference = np.linalg.lstsq(Phi, Y, rcond=None)[0].T
    sol = lstsq_solve(Phi, Y, solver=solver)
    # Well-conditioned after column scaling: the solutions agree to a few hundred eps relative.
    np.testing.assert_allclose(sol.C, reference, rtol=1e-10, atol=0)
    assert sol.rank == Phi.shape[1]
    assert sol.solver == ("svd" if solver == "svd" else "qr")


def test_residual_is_orthogonal_to_the_features():
    Phi, Y = _problem(seed=1)
    sol = lstsq_solve(Phi, Y)
    residual = Y - Phi @ sol.C.T
    # Normal equations hold to rounding: |Φᵀr| ≤ c·eps·|Φ|·|r| column by column.
    bound = 100 * EPS * np.linalg.norm(Phi, axis=0)[:, None] * np.linalg.norm(residual, axis=0)[None, :]
    assert np.all(np.abs(Phi.T @ residual) <= bound)


def test_reported_training_rms_is_the_true_residual():
    Phi, Y = _problem(seed=2)
    sol = lstsq_solve(Phi, Y)
    explicit = np.sqrt(np.mean(np.sum((Phi @ sol.C.T - Y) ** 2, axis=1)))
    assert sol.residual_rms == pytest.approx(explicit, rel=1e-12)


def test_column_scaling_does_not_change_the_fit():
    Phi, Y = _problem(seed=3)
    scale = np.geomspace(1e-6, 1e6, Phi.shape[1])
    a, b = lstsq_solve(Phi, Y), lstsq_solve(Phi * scale, Y)
    np.testing.assert_allclose(Phi @ a.C.T, (Phi * scale) @ b.C.T, rtol=1e-10, atol=1e-12)


def test_one_dimensional_y_gives_one_output():
    Phi, Y = _problem(m=1)
    assert lstsq_solve(Phi, Y[:, 0]).C.shape == (1, Phi.shape[1])


def test_path_equals_separate_solves_and_training_error_never_increases():
    Phi, Y = _problem(N=400, k=40, seed=4)
    path = lstsq_path(Phi, Y)
    assert sorted(path) == list(range(1, 41))
    previous = np.inf
    for k, sol in path.items():
        separate = lstsq_solve(Phi[:, :k], Y)
        np.testing.assert_allclose(sol.C, separate.C, rtol=1e-9, atol=1e-13)
        assert sol.residual_rms == pytest.approx(separate.residual_rms, rel=1e-10)
        # Nested features: the minimum over a larger space is never larger (up to rounding).
        assert sol.residual_rms <= previous * (1 + 1e-12)
        previous = sol.residual_rms


def test_path_selected_widths():
    Phi, Y = _problem(k=30)
    path = lstsq_path(Phi, Y, widths=[30, 2, 7, 7])
    assert list(path) == [2, 7, 30]
    with pytest.raises(ValueError, match=r"widths must lie in 1\.\.30"):
        lstsq_path(Phi, Y, widths=[0, 5])
    with pytest.raises(ValueError, match=r"widths must lie in 1\.\.30"):
        lstsq_path(Phi, Y, widths=[31])


def _deficient(seed=5):
    Phi, Y = _problem(N=200, k=12, m=1, seed=seed)
    Phi[:, 3] = 0.0  # a dead unit
    Phi[:, 7] = 2.0 * Phi[:, 6]  # a duplicated unit
    return Phi, Y


def test_rank_deficiency_warns_and_svd_gives_the_minimum_norm_solution():
    Phi, Y = _deficient()
    with pytest.warns(IllConditionedWarning, match=r"rank 10 < width 12"):
        sol = lstsq_solve(Phi, Y, solver="svd")
    assert sol.rank == 10 and sol.cond == np.inf and sol.solver == "svd"
    assert sol.C[0, 3] == 0.0
    reference = np.linalg.pinv(Phi, rcond=1e-12) @ Y
    np.testing.assert_allclose(Phi @ sol.C.T, Phi @ reference, rtol=1e-9, atol=1e-12)
    # The minimum norm is over the column-scaled coefficients: the two (identical) scaled columns
    # share the weight equally, so in original units c7 = c6 / 2 (column 7 is twice column 6).
    assert sol.C[0, 7] == pytest.approx(sol.C[0, 6] / 2.0, rel=1e-8)


def test_auto_switches_to_svd_only_when_rank_is_lost():
    Phi, Y = _problem(seed=6)
    assert lstsq_solve(Phi, Y, solver="auto").solver == "qr"
    Phi, Y = _deficient()
    with pytest.warns(IllConditionedWarning, match=r"minimum-norm \(SVD\) solution was used"):
        assert lstsq_solve(Phi, Y, solver="auto").solver == "svd"
    with pytest.warns(IllConditionedWarning, match=r"solver='svd' gives the minimum-norm solution"):
        assert lstsq_solve(Phi, Y, solver="qr").solver == "qr"


def test_warning_can_be_turned_off():
    Phi, Y = _deficient()
    assert lstsq_solve(Phi, Y, solver="svd", warn=False).rank == 10


def test_ridge_matches_the_stacked_problem():
    Phi, Y = _problem(seed=7)
    lam = 1e-2
    norms = np.linalg.norm(Phi, axis=0)
    Phis = Phi / norms
    stacked = np.vstack([Phis, np.sqrt(lam) * np.eye(Phi.shape[1])])
    c = np.linalg.lstsq(stacked, np.vstack([Y, np.zeros((Phi.shape[1], Y.shape[1]))]), rcond=None)[0]
    sol = lstsq_solve(Phi, Y, ridge=lam)
    np.testing.assert_allclose(sol.C, (c / norms[:, None]).T, rtol=1e-9)
    assert sol.residual_rms > lstsq_solve(Phi, Y).residual_rms  # the penalty costs training error
    path = lstsq_path(Phi, Y, widths=[Phi.shape[1]], ridge=lam)
    np.testing.assert_allclose(path[Phi.shape[1]].C, sol.C, rtol=1e-9)


def test_input_is_not_modified():
    Phi, Y = _problem(seed=8)
    Phi_f = np.asfortranarray(Phi)
    before = Phi_f.copy()
    lstsq_solve(Phi_f, Y)
    lstsq_path(Phi_f, Y)
    np.testing.assert_array_equal(Phi_f, before)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"solver": "cholesky"}, ValueError, r"unknown solver 'cholesky'.*accepted: qr, svd, auto"),
    ({"solver": "QR"}, ValueError, r"did you mean 'qr'"),
    ({"ridge": -1.0}, ValueError, r"ridge must be >= 0"),
    ({"rcond": -1e-3}, ValueError, r"rcond must be >= 0"),
])
def test_bad_options(kwargs, error, match):
    Phi, Y = _problem()
    with pytest.raises(error, match=match):
        lstsq_solve(Phi, Y, **kwargs)


def test_bad_arrays():
    Phi, Y = _problem()
    with pytest.raises(ValueError, match=r"same N"):
        lstsq_solve(Phi, Y[:-1])
    for bad in (np.nan, np.inf):
        broken = Phi.copy()
        broken[3, 4] = bad
        with pytest.raises(ValueError, match=rf"Phi must be finite; got {bad} at row 3, column 4"):
            lstsq_solve(broken, Y)
    Y[7, 1] = np.nan
    with pytest.raises(ValueError, match=r"Y must be finite; got nan at row 7, column 1"):
        lstsq_solve(Phi, Y)


def test_huge_finite_columns_are_scaled_without_overflow():
    Phi, Y = _problem(seed=9)
    big = Phi.copy()
    big[:, 2] *= 1e200  # the column norm overflows when squared, the column is fine
    a, b = lstsq_solve(Phi, Y), lstsq_solve(big, Y)
    np.testing.assert_allclose(b.C[:, 2] * 1e200, a.C[:, 2], rtol=1e-9)
    assert b.residual_rms == pytest.approx(a.residual_rms, rel=1e-12)


@pytest.mark.parametrize("solver", ["qr", "svd", "auto"])
def test_fewer_points_than_columns_interpolate(solver):
    """N < k used to fail inside LAPACK; zero rows make R square and change nothing."""
    rng = np.random.default_rng(8)
    Phi, y = rng.normal(size=(5, 9)), rng.normal(size=5)
    sol = lstsq_solve(Phi, y, solver=solver, warn=False)
    assert sol.rank == 5 and sol.residual_rms < 1e-12
    np.testing.assert_allclose(Phi @ sol.C[0], y, atol=1e-12)
