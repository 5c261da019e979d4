"""The registry of model formats: every kind of fitted model uat saves, by the format name its files carry.

A model is anything a fitting method returns as its network: callable on (N, n) arrays, with ``dim``,
``n_outputs``, ``n_params``, ``rounding_floor`` and ``save``/``load``. Its class registers a
:class:`ModelFormat`, beside its definition, as a method registers itself::

    register_model_format(ModelFormat("network", "uat.ShallowNetwork", ShallowNetwork))

:func:`load_model` then reads any registered file (it reads the ``"format"`` of the file's metadata
and hands the file to that class's ``load``) and :func:`save_model` writes any registered model, so
that the study store keeps and returns models without knowing a class. The formats of uat's own models
are registered when their modules are imported (``uat.network``; ``uat.fitting`` imports every
method, and so every model a method returns).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from uat._registry import Registry
from uat.npzfile import open_npz, source_name

__all__ = ["BUILT_IN_MODELS", "ModelFormat", "register_model_format", "model_format", "list_model_formats",
           "load_model", "save_model"]


@dataclass(frozen=True)
class ModelFormat:
    """How one kind of model is saved and loaded.

    Attributes
    ----------
    kind : str
        The registry key, a Python identifier (``"network"``, ``"polynomial"``).
    format : str
        The ``"format"`` its files' metadata hold (``"uat.ShallowNetwork"``); unique among the formats.
    model : type
        The class: ``model.load(file)`` reads a file (a file name or a binary file object), and an
        instance's ``save(file)`` writes one.
    """

    kind: str
    format: str
    model: type

    def __post_init__(self):
        if not isinstance(self.format, str) or not self.format:
            raise ValueError(f"format must be a non-empty string such as 'mypackage.MyModel'; got {self.format!r}")
        for method in ("load", "save"):
            if not callable(getattr(self.model, method, None)):
                raise TypeError(f"model must be a class with load and save methods; {self.model!r} has no {method}")


_FORMATS: Registry[ModelFormat] = Registry("model format")


def _entries() -> list[ModelFormat]:
    return [_FORMATS.get(kind) for kind in _FORMATS]


def register_model_format(entry: ModelFormat, *, overwrite: bool = False) -> ModelFormat:
    """Register ``entry`` under its kind (another kind's format name is refused) and return it."""
    for other in _entries():
        if other.format == entry.format and other.kind != entry.kind:
            raise ValueError(f"model format {entry.format!r} is already registered, by kind {other.kind!r}")
    return _FORMATS.add(entry.kind, entry, overwrite=overwrite)


def list_model_formats() -> list[str]:
    """The format names of every registered model (``"uat.ShallowNetwork"``, ...), in order of registration."""
    return [entry.format for entry in _entries()]


#: The modules that register uat's own models, imported when a format is looked up and not found (so that
#: ``load_model`` reads any file uat writes without the caller importing its class first).
BUILT_IN_MODELS = ("uat.network", "uat.deep", "uat.fitting.baselines")


def model_format(format: str, where: str = "the file") -> ModelFormat:
    """The registered :class:`ModelFormat` whose files say ``format`` (uat's own models are registered on demand,
    :data:`BUILT_IN_MODELS`); an unknown one is a ValueError naming it and the registered ones (``where`` names
    the file in the message)."""
    for attempt in range(2):
        for entry in _entries():
            if entry.format == format:
                return entry
        for module in BUILT_IN_MODELS if attempt == 0 else ():
            importlib.import_module(module)
    raise ValueError(f"{where} holds a model of format {format!r}, which is not registered; registered model formats: "
                     f"{', '.join(map(repr, list_model_formats()))} (import the module that defines the model first)")


def load_model(path):
    """The model saved in ``path`` (a file name or a binary file object), by the class its format names.

    Only the archive's headers and its metadata are read to choose the class; its ``load`` reads the rest
    (nothing is ever unpickled).
    """
    where = source_name(path, "model")
    with open_npz(where, path, "model") as members:
        found = members.metadata().get("format")
    entry = model_format(found, where)
    if hasattr(path, "seek"):
        path.seek(0)
    return entry.model.load(path)


def save_model(model, path) -> None:
    """Write ``model`` to ``path`` (a file name or a binary file object) with its ``save``; refused (TypeError)
    unless its class, or a class it derives from, has a registered format (so that :func:`load_model` reads
    it back)."""
    registered = [entry.model for entry in _entries()]
    if not any(cls in registered for cls in type(model).__mro__):
        raise TypeError(f"model must be an instance of a registered model class "
                        f"({', '.join(cls.__name__ for cls in registered)}); got {type(model).__name__}: register "
                        "its ModelFormat with uat.models.register_model_format first")
    model.save(path)
