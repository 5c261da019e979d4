"""Regenerate every figure in figures/ from the repository root:

    python figures/make_figures.py            # all shipped studies, about 18 minutes on 2 cores
    python figures/make_figures.py quickstart polynomial   # only these studies (and the extras)

For each study file studies/NAME.toml (peers.toml needs the benchmark extras, see the README; it is
skipped with a message without them): run it into out/NAME (resuming: finished cells are kept),
write its figures into figures/NAME/ (PNG; old PNGs there are removed first, so the folder holds
exactly what the study draws) and its report into out/NAME/report.html. Then the figures that
belong to no study: the activation gallery, three fits up close, the optimizers' training
curves (figures/training_curves.py), the ε-tube and the network diagrams.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import uat
from uat.fitting import PeerNotInstalledError
from matplotlib.figure import Figure

from uat.plots import activation_gallery, epsilon_tube, fit_closeup, network_diagram, save, style
from uat.study.figures import study_figures
from uat.study.report import write_report

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "figures"

#: Fits up close outside any study: (target, width, activation, file stem).
CLOSEUPS = [("runge", 40, "tanh", "fit-runge-tanh-40"), ("abs", 64, "relu", "fit-abs-relu-64"),
            ("franke", 256, "tanh", "fit-franke-tanh-256")]


def teaching_figures() -> None:
    """The ε-tube (sin 2πx, tanh least squares at widths 2, 4, 8, ε = 0.05) and the network diagrams of a
    deep [5, 4] tanh network (backprop) and a shallow tanh network of width 8 (least squares), both on sin 2πx."""
    with style():
        save(epsilon_tube("sin2pi", [2, 4, 8], 0.05, activation="tanh", method="lstsq"), FIGURES / "epsilon-tube", "png")
        fits = [uat.fit("sin2pi", width=[5, 4], activation="tanh", method="backprop"),
                uat.fit("sin2pi", width=8, activation="tanh", method="lstsq")]
        fig = Figure(figsize=(12, 5.2), layout="constrained")
        for ax, result in zip(fig.subplots(1, 2, width_ratios=[4, 3]), fits):
            network_diagram(result.network, ax=ax)
            ax.set_title(f"{result.network.describe()}\nsin 2πx by {result.method}: sup error "
                         f"{result.sup_error().value:.2g}", fontsize="medium")
        save(fig, FIGURES / "network-diagram", "png")


def run(names: list[str]) -> None:
    files = sorted((ROOT / "studies").glob("*.toml"))
    unknown = set(names) - {f.stem for f in files}
    if unknown:
        raise SystemExit(f"no study file studies/<name>.toml for {sorted(unknown)}; have {[f.stem for f in files]}")
    for path in files:
        if names and path.stem not in names:
            continue
        start = time.perf_counter()
        folder = ROOT / "out" / path.stem
        try:
            frame = uat.run_study(path, folder)
        except PeerNotInstalledError as err:  # studies/peers.toml needs the benchmark extras
            print(f"{path.stem}: skipped, {err}")
            continue
        target = FIGURES / path.stem
        target.mkdir(parents=True, exist_ok=True)
        for old in target.glob("*.png"):
            old.unlink()
        figures = study_figures(folder, "png", out=target)
        report = write_report(folder, figures=figures)  # embeds the PNGs just written
        failed = int((frame["status"] != "ok").sum())
        print(f"{path.stem}: {len(frame)} cells ({failed} failed), {len(figures)} figures in "
              f"{target.relative_to(ROOT)}/, report {report.relative_to(ROOT)}, {time.perf_counter() - start:.0f} s")
    with style():
        save(activation_gallery(), FIGURES / "activations", "png")
        for target, width, activation, stem in CLOSEUPS:
            result = uat.fit(target, width=width, activation=activation)
            title = f"{target}: {activation}, width {width}, lstsq"
            save(fit_closeup(result.target, result.network, result.sup_error(), title=title), FIGURES / stem, "png")
    sys.path.insert(0, str(FIGURES))
    import training_curves

    training_curves.main(str(FIGURES / "training-curves.png"))
    teaching_figures()
    print(f"extras: activations, {len(CLOSEUPS)} fits up close, training curves, the ε-tube and network diagrams in "
          f"{FIGURES.relative_to(ROOT)}/")


if __name__ == "__main__":
    run(sys.argv[1:])
