"""Certified sup-norm brackets on eight fits, with the time each took: python benchmarks/brackets.py

Not a speed goal: it shows where interval bounds close (well-conditioned networks, errors far above
the rounding floor, ReLU with its kinks as cell edges) and where they cannot (least-squares tanh
networks with huge cancelling coefficients; first-order bounds in n-D).
"""
import time, warnings
import uat
from uat.certify import sup_bracket
warnings.simplefilter("ignore")
for tgt, act, method, k in [("sin2pi", "tanh", "lstsq", 16), ("exp_cos", "tanh", "minimax", 32), ("abs", "relu", "lstsq", 32),
                            ("quadratic", "relu", "relu_interp", 33), ("runge", "relu", "backprop", 32),
                            ("runge", "tanh", "lstsq", 64), ("franke", "tanh", "lstsq", 64), ("oscillatory", "tanh", "lstsq", 32)]:
    r = uat.fit(tgt, width=k, activation=act, method=method)
    est = r.sup_error(certify=False)
    t = time.perf_counter()
    b = sup_bracket(tgt, r.network, points=est.argmax[None], max_evals=1 << 20)
    print(f"{tgt:11s} {act:5s} {method:11s} k={k:3d}  estimate {est.value:.6e}  bracket [{b.lower:.6e}, {b.upper:.6e}]"
          f"  gap {b.gap:.2g}  {b.outcome}  {b.n_evals} evals  {time.perf_counter() - t:.2f} s"
          f"  floor {b.floor:.1e}")
