"""uat: the universal approximation theorem as experiments.

For continuous non-polynomial σ, compact K ⊂ ℝⁿ, continuous f: K → ℝᵐ and ε > 0 there are k, A, b, C
with sup_{x∈K} ‖f(x) − C σ(Ax + b)‖ < ε. uat fits g(x) = C σ(Ax + b), estimates the sup-norm error
honestly, and measures the width k that reaches each ε.

>>> import uat
>>> result = uat.fit("runge", width=64, activation="tanh", seed=0)
>>> estimate = uat.sup_error("runge", result.network)

Importing uat imports none of its modules: each name below is looked up in the module that defines
it on first use (PEP 562), so ``import uat`` and ``uat --help`` cost no numpy, scipy, pandas or
matplotlib, and ``uat.fit`` costs numpy and scipy but not the study's pandas.
"""

import importlib

#: every public name -> the module that defines it
_EXPORTS = {
    **dict.fromkeys(["Box", "Ball", "Simplex", "Polygon", "Annulus", "Sphere", "Curve", "PointSet", "LevelSet",
                     "Union", "Intersection", "Difference", "Domain", "parse_domain"], "uat.domains"),
    "ShallowNetwork": "uat.network",
    "DeepNetwork": "uat.deep",
    **dict.fromkeys(["Activation", "get_activation", "list_activations", "register_activation"], "uat.activations"),
    **dict.fromkeys(["Target", "get_target", "list_targets", "register_target"], "uat.targets"),
    **dict.fromkeys(["fit", "fit_widths", "FitResult", "list_methods", "loss_and_grad", "residual_jacobian"],
                    "uat.fitting"),
    **dict.fromkeys(["sup_error", "rms_error", "SupEstimate"], "uat.supnorm"),
    **dict.fromkeys(["yarotsky_square", "sawtooth", "relu_breakpoints"], "uat.constructions"),
    **dict.fromkeys(["run_study", "load_results"], "uat.study"),
    **dict.fromkeys(["IllConditionedWarning", "ConvergenceWarning", "ExpressionError", "TargetError", "UatWarning"],
                    "uat.exceptions"),
    "__version__": "uat._version",
}
_SUBMODULES = frozenset(["activations", "certify", "cli", "constructions", "deep", "domains", "errornorm", "exceptions",
                         "expressions", "fitting", "models", "network", "plots", "study", "supnorm", "targets"])

__all__ = [*_EXPORTS]


def __getattr__(name: str):
    """A public name, imported from its module on first use (and kept here: the next lookup is plain)."""
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:  # `uat.study.run_study` after a bare `import uat`
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
