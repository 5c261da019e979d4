"""Figures. Data is computed by pure functions; drawing helpers take axes and return them.

Nothing here calls ``plt.show``: callers decide where figures go. Figures are made with
``matplotlib.figure.Figure`` directly (no pyplot, no backend switching), in the house style of
:mod:`uat.plots._style` (Okabe–Ito colours, a marker per line).
"""

from uat.plots._style import OKABE_ITO
from uat.plots.fits import draw_fit_1d, draw_fit_2d, fit_closeup, fit_closeup_data
from uat.plots.study import draw_error_vs_width, draw_k_star, study_figures
from uat.plots.training import draw_training_curves, training_curves

__all__ = ["OKABE_ITO", "fit_closeup_data", "draw_fit_1d", "draw_fit_2d", "fit_closeup", "draw_error_vs_width",
           "draw_k_star", "draw_training_curves", "training_curves", "study_figures"]
