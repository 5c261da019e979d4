"""Figures. Data is computed by pure functions; drawing helpers take axes and return them.

Nothing here calls ``plt.show``: callers decide where figures go. Figures are made with
``matplotlib.figure.Figure`` directly (no pyplot, no backend switching), in the house style of
:mod:`uat.plots._style` (Okabe–Ito colours, a marker per line).
"""

from uat.plots._style import OKABE_ITO
from uat.plots._style import FORMATS, STYLE, save, style
from uat.plots.fits import draw_curve, draw_fit_1d, draw_fit_2d, fit_closeup, fit_closeup_data
from uat.plots.gallery import activation_curves, activation_gallery, draw_activation
from uat.plots.study import (SLOPES, StudyFigure, draw_error_vs_width, draw_k_star, draw_reference_slopes,
                             study_figures)
from uat.plots.training import draw_training_curves, training_curves
from uat.plots.units import draw_unit_positions, unit_positions, unit_positions_data

__all__ = ["OKABE_ITO", "STYLE", "FORMATS", "style", "save",
           "fit_closeup_data", "draw_fit_1d", "draw_fit_2d", "draw_curve", "fit_closeup",
           "SLOPES", "draw_reference_slopes", "draw_error_vs_width", "draw_k_star", "StudyFigure", "study_figures",
           "draw_training_curves", "training_curves",
           "activation_curves", "draw_activation", "activation_gallery",
           "unit_positions_data", "draw_unit_positions", "unit_positions"]
