"""Figures. Data is computed by pure functions; drawing helpers take axes and return them.

Nothing here calls ``plt.show``: callers decide where figures go. Figures are made with
``matplotlib.figure.Figure`` directly (no pyplot, no backend switching), in the house style of
:mod:`uat.plots._style` (Okabe–Ito colours, a marker per line). The figures of a study folder are made
by :func:`uat.study.figures.study_figures`, from these helpers.
"""

from uat.plots._style import OKABE_ITO
from uat.plots._style import FORMATS, STYLE, save, style
from uat.plots.fits import draw_curve, draw_fit_1d, draw_fit_2d, fit_closeup, fit_closeup_data
from uat.plots.gallery import activation_curves, activation_gallery, draw_activation
from uat.plots.study import (SLOPES, draw_best_polynomial_note, draw_depth_separation, draw_error_vs_parameters,
                             draw_error_vs_width, draw_k_star, draw_reference_slopes, panel_grid)
from uat.plots.training import draw_training_curves, training_curves
from uat.plots.units import draw_unit_positions, unit_positions, unit_positions_data

__all__ = ["OKABE_ITO", "STYLE", "FORMATS", "style", "save",
           "fit_closeup_data", "draw_fit_1d", "draw_fit_2d", "draw_curve", "fit_closeup",
           "SLOPES", "draw_reference_slopes", "draw_error_vs_width", "draw_k_star", "draw_best_polynomial_note",
           "panel_grid", "draw_error_vs_parameters", "draw_depth_separation",
           "draw_training_curves", "training_curves",
           "activation_curves", "draw_activation", "activation_gallery",
           "unit_positions_data", "draw_unit_positions", "unit_positions",
           "epsilon_tube", "network_diagram"]

#: Loaded on first use: the ε-tube fits networks (uat.fitting), which a plain ``import uat.plots`` need not import.
_LAZY = {"epsilon_tube": "uat.plots.tube", "network_diagram": "uat.plots.diagram"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in ("StudyFigure", "study_figures"):  # they read study folders: moved to uat.study.figures
        import warnings

        from uat.study import figures

        warnings.warn(f"uat.plots.{name} moved to uat.study.figures.{name}; the old name will be removed in the "
                      "next release", DeprecationWarning, stacklevel=2)
        return getattr(figures, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
