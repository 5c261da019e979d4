"""Dimension 10 on every kind of domain (issue 18: every sampling, estimate and study path works for n up to 10).

Each K below is built in ℝ¹⁰, from its text where it has one (so parse_domain is on the path too). For each:
uniform and Sobol' samples lie in K; a least-squares fit evaluates f only at points of K (a target that is NaN
outside K and records its points); sup_error's value is attained at its argmax, a point of K, and is at least
the error at every one of 4096 uniform points of K; no upper bound is given, and bracket_refusal says it is the
dimension (a point set's maximum is exact instead). Then a study whose domain axis holds 10-D sets runs end to
end.
"""

import json
import warnings

import numpy as np
import pytest

import uat
from uat.domains import PointSet, parse_domain
from uat.study import run_study
from uat.targets import Target

N = 10
POINTS = np.random.default_rng(10).uniform(-1, 1, size=(50, N))
DOMAINS = {
    "box": "[-1,1]^10",
    "ball": f"ball(center={[0] * N}, radius=1)",
    "simplex": "simplex(vertices=" + json.dumps(np.vstack([np.zeros(N), np.eye(N)]).astype(int).tolist()) + ")",
    "shell": f"annulus(center={[0] * N}, r_inner=0.5, r_outer=1)",
    "sphere": f"sphere(center={[0] * N}, radius=1)",
    "box minus ball": f"[-1,1]^10 - ball(center={[0] * N}, radius=1)",
    "union": f"[0,1]^10 | ball(center={[0] * N}, radius=1)",
    "intersection": f"[-1,1]^10 & ball(center={[0] * N}, radius=1.5)",
    "level set": "levelset(h=" + "+".join(f"x{i}**2" for i in range(1, N + 1)) + "-1, box=[-1,1]^10)",
}


def domain(name):
    return PointSet(POINTS) if name == "points" else parse_domain(DOMAINS[name])


NAMES = [*DOMAINS, "points"]


def _recording(K):
    seen = []

    def f(X):
        seen.append(np.array(X))
        return np.where(K.contains(X), np.sin(X @ np.linspace(0.5, 1.5, N)) + X[:, 0] * X[:, -1], np.nan)

    return Target(f, K, "recorded"), seen


@pytest.mark.parametrize("name", NAMES)
def test_samples_in_ten_dimensions_lie_in_k(name):
    K = domain(name)
    assert K.dim == N
    if name != "points":  # a point set's text names its file
        assert str(parse_domain(str(K))) == str(K)
    for kind in ("uniform", "sobol"):
        X = K.sample(2048, kind, rng=1)
        assert X.shape == (2048, N) and K.contains(X).all(), (name, kind)


@pytest.mark.parametrize("name", NAMES)
def test_a_fit_and_its_sup_error_in_ten_dimensions_stay_in_k(name):
    K = domain(name)
    target, seen = _recording(K)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", uat.exceptions.IllConditionedWarning)
        result = uat.fit(target, width=16, seed=0)
        est = result.sup_error(n_points=2048)
    points = np.vstack(seen)
    assert K.contains(points).all(), f"f evaluated at {len(points[~K.contains(points)])} points outside {K}"
    assert K.contains(est.argmax[None])[0]
    residual = lambda X: np.abs(np.ravel(target(X)) - np.ravel(result.network(X)))  # noqa: E731
    assert est.value == pytest.approx(residual(est.argmax[None])[0], rel=1e-12)  # attained at a point of K
    X = K.sample(4096, "uniform", rng=2)
    assert est.value >= residual(X).max()
    if name == "points":
        assert est.upper == est.value  # exact: the maximum over every point
    else:
        assert est.upper is None  # n ≥ 4: no bracket, and none claimed
        why = uat.certify.bracket_refusal(target, result.network)  # K is checked before L_f
        assert "dimension 1, 2 or 3" in why and "10-D" in why, why


def test_a_study_on_ten_dimensional_domains(tmp_path):
    axis = [DOMAINS["ball"], DOMAINS["simplex"], DOMAINS["box minus ball"]]
    text = (f'name = "ten"\nseed = 10\n[grid]\ntarget = ["exp(-(x1**2 + x5**2 + x10**2))*cos(x2 + x9)"]\n'
            f'activation = ["tanh"]\nwidth = [4, 16]\ndomain = {json.dumps(axis)}\n'
            "[evaluation]\ntolerances = [1e-1, 1e-2]\nn_points = 1024\n")
    (tmp_path / "ten.toml").write_text(text)
    frame = run_study(tmp_path / "ten.toml", tmp_path / "out", jobs=1)
    assert len(frame) == 6 and (frame["status"] == "ok").all(), frame[["domain", "error"]]
    assert np.isfinite(frame["sup_error"]).all() and (frame["sup_error"] > 0).all()
    assert sorted(set(frame["domain"])) == sorted(str(parse_domain(text)) for text in axis)
    assert all(parse_domain(text).dim == N for text in frame["domain"])
