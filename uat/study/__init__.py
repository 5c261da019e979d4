"""Studies: sweep width × activation × target × method × seed, store every result, chart k*(ε).

* :mod:`uat.study.config`: the study file (TOML), validated before any work;
* :mod:`uat.study.runner`: tasks, workers and the coordinator (:func:`run_study`);
* :mod:`uat.study.store`: the SQLite result store (:func:`load_results`, and the fitted networks and training
  histories: :func:`load_networks`, :func:`load_histories`); :mod:`uat.study.identity`: which stored cells a
  run may reuse (a study may grow or shrink along any axis);
* :mod:`uat.study.analysis`: medians over replicates, k*(ε), rates and plateaus, one row per curve (its
  ``curve`` column: measured, certified or a-priori bound); :mod:`uat.study.describe`: how the numbers were
  measured, in words;
* :mod:`uat.study.figures`: a folder's figures (the data gathered here, drawn by :mod:`uat.plots`);
  :mod:`uat.study.report`: the self-contained HTML report; :mod:`uat.study.tables`: the k*(ε) table written out;
* :mod:`uat.study.results`: a folder opened for reading (:func:`open_study`, a :class:`StudyResults` with its
  notebook display); :mod:`uat.study.progress`: the tqdm progress bar of a run.
"""

from uat.study.analysis import k_star, k_star_table, rates, summarize
from uat.study.config import Cell, StudyConfig, StudyConfigError, load_config, parse_config
from uat.study.results import StudyResults, open_study
from uat.study.runner import run_study
from uat.study.store import StoreError, load_histories, load_networks, load_results

__all__ = ["run_study", "load_results", "load_config", "parse_config", "StudyConfig", "StudyConfigError",
           "StoreError", "load_networks", "load_histories", "Cell", "summarize", "k_star", "k_star_table", "rates",
           "open_study", "StudyResults"]
