"""How well a bracket's projection foresees the upper bound its whole budget reaches (the early stop of
uat.certify: a bracket stops as 'hopeless' when the projection says its whole budget would leave
upper > 100 × lower; sup_error's routine brackets only: a study's and sup_bracket's spend their budget).

For ill-conditioned least-squares fits (random tanh/sigmoid features on Runge and |x|, where the
coefficients cancel), each bracket runs with the early stop switched off; at every round it records
the projected final upper bound, lower + γ·(P/N)^(2/n) (P the evaluations projected to close, N those
left; at most the current upper bound, since bounds never rise), and at the end the upper bound the whole budget reached. The table gives, per fit, the
projection after the first round and the reached upper, both over the attained lower bound, and
their ratio; and whether the default policy (100×) would have stopped it, and where.

Usage: python benchmarks/bracket_projection.py [--out FILE]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

import uat
from uat import certify

CASES = [(t, a, k) for t in ("runge", "abs") for a in ("tanh", "sigmoid") for k in (16, 32, 64, 128)]


def _record(projections):
    original = certify._Search._hopeless

    def spy(self, bounds, remaining):
        if self.lower > 0 and np.all(np.isfinite(bounds)):
            _, projected = self.projection(bounds, remaining)  # the early stop's own projection
            projections.append((self.rounds, projected / self.lower, bounds.max() / self.lower))
        return False  # never stop: the whole budget is spent, to see where it ends

    certify._Search._hopeless = spy
    return original


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="also write the table (markdown) to this file")
    args = parser.parse_args(argv)
    lines = ["| fit | projected upper/lower after round 0 | reached upper/lower | projected / reached | "
             "the default stops it |", "| --- | --- | --- | --- | --- |"]
    warnings.simplefilter("ignore")
    for target, activation, width in CASES:
        result = uat.fit(target, width=width, activation=activation)
        projections: list = []
        original = _record(projections)
        try:
            estimate = result.sup_error()
        finally:
            certify._Search._hopeless = original
        bracket = estimate.details["bracket"]
        reached = bracket.upper / bracket.lower
        if not projections:
            lines.append(f"| {target}, {activation}, k = {width} | closed at once | {reached:.3g} | | no |")
            continue
        first = projections[0][1]
        stops = [r for r, p, _ in projections if p > certify.HOPELESS]
        where = f"yes, at round {stops[0]} (upper/lower {projections[stops[0]][2]:.3g} then)" if stops else "no"
        lines.append(f"| {target}, {activation}, k = {width} | {first:.3g} | {reached:.3g} | {first / reached:.2g} | "
                     f"{where} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write("# " + __doc__.split("\n\n")[0] + "\n\nCommand: `python benchmarks/bracket_projection.py "
                     f"--out {args.out}`\n\n{text}\n")


if __name__ == "__main__":
    main()
