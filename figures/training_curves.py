"""Training curves of the backprop optimizers: python figures/training_curves.py [OUT.png]

sin 2πx, tanh, width 10, N = 1024 equispaced points, all four optimizers from the same Glorot
start (seed 0), sup-norm checkpoints along the way. The star marks the network each one returns.
"""

import sys

import uat
from uat.plots import save, style, training_curves

RUNS = {"varpro": (1000, 50), "lm": (1000, 50), "lbfgs": (5000, 250), "adam": (10000, 500)}


def main(out="figures/training-curves.png"):
    results = {optimizer: uat.fit("sin2pi", width=10, method="backprop", optimizer=optimizer, init="glorot",
                                  n_samples=1024, seed=0, max_iter=max_iter, checkpoint_every=every)
               for optimizer, (max_iter, every) in RUNS.items()}
    with style():
        fig = training_curves(results, "sin 2πx, tanh, width 10, N = 1024, all from the same Glorot start (seed 0)")
        save(fig, out.removesuffix(".png"), "png")
    for optimizer, result in results.items():
        print(f"{optimizer:7s} sup error {result.sup_error().value:.2e}  training RMS {result.train_rms:.2e}  "
              f"{result.diagnostics['status']}, {result.fit_seconds:.2f} s")


if __name__ == "__main__":
    main(*sys.argv[1:])
