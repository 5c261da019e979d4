"""The registry of model formats (uat.models), the .npz metadata every format shares (uat.npzfile), and the
study store reading models by format without knowing a class."""

import io
import json
import sqlite3

import numpy as np
import pytest

import uat.fitting  # noqa: F401 - registers the format of every method's model
import uat.models as models
from uat._version import __version__
from uat.fitting.baselines import PolynomialApproximant
from uat.models import ModelFormat, list_model_formats, load_model, model_format, register_model_format, save_model
from uat.deep import DeepNetwork
from uat.network import ShallowNetwork
from uat.npzfile import open_npz, write_npz

NETWORK = ShallowNetwork([[1.0], [-2.0]], [0.5, 0.0], [[0.25, -1.0]], "tanh")
BIASED = ShallowNetwork(NETWORK.A, NETWORK.b, NETWORK.C, "tanh", d=[0.75])
POLYNOMIAL = PolynomialApproximant([0.5, 0.0, 0.5], 2, "[-1,1]", width=1)
X = np.linspace(-1, 1, 11)[:, None]


@pytest.fixture
def registry(monkeypatch):
    """The model-format registry, with whatever a test registers undone afterwards."""
    monkeypatch.setattr(models._FORMATS, "_entries", dict(models._FORMATS._entries))
    return models._FORMATS


def _saved(model) -> bytes:
    buffer = io.BytesIO()
    save_model(model, buffer)
    return buffer.getvalue()


def test_uats_own_models_are_registered_under_the_format_names_their_files_carry():
    assert list_model_formats()[:3] == ["uat.ShallowNetwork", "uat.DeepNetwork", "uat.Polynomial"]
    assert model_format("uat.ShallowNetwork").model is ShallowNetwork
    assert model_format("uat.Polynomial") == ModelFormat("polynomial", "uat.Polynomial", PolynomialApproximant)


@pytest.mark.parametrize("model", [NETWORK, BIASED, POLYNOMIAL], ids=["network", "biased", "polynomial"])
def test_load_model_reads_back_every_registered_model_as_its_own_class(tmp_path, model):
    path = tmp_path / "model.npz"
    save_model(model, path)
    for source in (path, str(path), io.BytesIO(_saved(model))):
        loaded = load_model(source)
        assert type(loaded) is type(model)
        np.testing.assert_array_equal(loaded(X), model(X))


def test_a_network_file_written_before_the_registry_loads_unchanged(tmp_path):
    """The layout uat 0.2.0 wrote (metadata before d, uat_version last), read by load_model and by the class."""
    metadata = {"format": "uat.ShallowNetwork", "format_version": 2, "activation": "tanh", "width": 2, "dim": 1,
                "n_outputs": 1, "uat_version": "0.2.0"}
    path = tmp_path / "old.npz"
    np.savez(path, A=BIASED.A, b=BIASED.b, C=BIASED.C, metadata=np.array(json.dumps(metadata)), d=BIASED.d)
    for loaded in (load_model(path), ShallowNetwork.load(path)):
        np.testing.assert_array_equal(loaded(X), BIASED(X))


def test_the_metadata_is_written_once_for_every_format_with_the_version_last():
    for model in (NETWORK, POLYNOMIAL):
        with np.load(io.BytesIO(_saved(model)), allow_pickle=False) as archive:
            metadata = json.loads(str(archive["metadata"]))
        assert list(metadata)[:2] == ["format", "format_version"] and list(metadata)[-1] == "uat_version"
        assert metadata["uat_version"] == __version__


def test_an_unregistered_format_is_refused_naming_it_and_the_registered_ones():
    buffer = io.BytesIO()
    write_npz(buffer, {"coefficients": np.ones(3)}, {"format": "uat.Polynomal", "format_version": 1})
    with pytest.raises(ValueError, match=r"the model data holds a model of format 'uat.Polynomal', which is not "
                                         r"registered; registered model formats: 'uat.ShallowNetwork', "
                                         r"'uat.DeepNetwork', 'uat.Polynomial' \(import the module that defines the model first\)$"):
        load_model(io.BytesIO(buffer.getvalue()))


@pytest.mark.parametrize("metadata, message", [
    (None, r"the model data is not a uat model file: missing \['metadata'\]"),
    ("{not json", "the model data: metadata is not valid JSON"),
    ('["uat.ShallowNetwork", 1]', r"the model data is not a uat model file \(format \['uat.ShallowNetwork', 1\]\)"),
    ('{"format_version": 1}', "holds a model of format None, which is not registered"),
])
def test_a_file_without_a_readable_format_is_refused(metadata, message):
    buffer = io.BytesIO()
    arrays = {"A": np.ones((2, 1))} | ({} if metadata is None else {"metadata": np.array(metadata)})
    np.savez(buffer, **arrays)
    with pytest.raises(ValueError, match=message):
        load_model(io.BytesIO(buffer.getvalue()))


def test_nothing_is_unpickled_to_choose_the_class():
    buffer = io.BytesIO()
    np.savez(buffer, metadata=np.array('{"format": "uat.ShallowNetwork"}'), A=np.array([None], dtype=object))
    with pytest.raises(ValueError, match="needs unpickling, which uat never does"):
        load_model(io.BytesIO(buffer.getvalue()))


class _Constant:
    """The smallest model with a format of its own: g(x) = c."""

    def __init__(self, c: float):
        self.c = c

    def __call__(self, X):
        return np.full((np.shape(X)[0], 1), self.c)

    def save(self, path) -> None:
        write_npz(path, {"c": np.array([self.c])}, {"format": "test.Constant", "format_version": 1})

    @classmethod
    def load(cls, path):
        with open_npz("the constant", path, "constant") as members:
            members.require(["c", "metadata"])
            members.metadata("test.Constant", versions=(1,))
            return cls(float(members.read("c")[0]))


def test_a_registered_model_of_ones_own_is_saved_and_loaded_by_format(registry):
    with pytest.raises(TypeError, match=r"model must be an instance of a registered model class \(ShallowNetwork, "
                                        r"DeepNetwork, PolynomialApproximant\); got _Constant: register its ModelFormat"):
        save_model(_Constant(2.5), io.BytesIO())
    register_model_format(ModelFormat("constant", "test.Constant", _Constant))
    loaded = load_model(io.BytesIO(_saved(_Constant(2.5))))
    assert isinstance(loaded, _Constant) and loaded.c == 2.5
    assert "test.Constant" in list_model_formats() and "constant" in registry


def test_a_subclass_of_a_registered_model_is_saved_in_its_format():
    class Named(ShallowNetwork):
        pass

    loaded = load_model(io.BytesIO(_saved(Named(NETWORK.A, NETWORK.b, NETWORK.C, "tanh"))))
    assert type(loaded) is ShallowNetwork and np.array_equal(loaded(X), NETWORK(X))


def test_registering_refuses_a_taken_format_a_taken_kind_and_a_class_without_load_or_save(registry):
    with pytest.raises(ValueError, match="model format 'uat.Polynomial' is already registered, by kind 'polynomial'"):
        register_model_format(ModelFormat("poly2", "uat.Polynomial", _Constant))
    with pytest.raises(ValueError, match="model format 'network' is already registered; pass overwrite=True"):
        register_model_format(ModelFormat("network", "test.Network", _Constant))
    with pytest.raises(ValueError, match="model format name must be a Python identifier"):
        register_model_format(ModelFormat("my-model", "test.Mine", _Constant))
    with pytest.raises(TypeError, match="model must be a class with load and save methods; .* has no load"):
        ModelFormat("plain", "test.Plain", object)
    with pytest.raises(ValueError, match="format must be a non-empty string"):
        ModelFormat("empty", "", _Constant)


# --- the shared metadata reader ----------------------------------------------------------------------

@pytest.mark.parametrize("versions, readable", [((1,), "version 1"), ((1, 2), "versions 1 and 2"),
                                                ((1, 2, 3), "versions 1, 2 and 3")])
def test_the_metadata_reader_names_the_versions_it_reads(versions, readable):
    buffer = io.BytesIO()
    write_npz(buffer, {}, {"format": "test.Thing", "format_version": 7})
    with open_npz("the thing", buffer, "thing") as members:
        with pytest.raises(ValueError, match=f"the thing has format_version 7; this uat reads {readable}$"):
            members.metadata("test.Thing", versions)
        with pytest.raises(ValueError, match=r"the thing is not a uat thing file \(format 'test.Thing', expected "
                                             r"'test.Other'\)"):
            members.metadata("test.Other", versions)
        assert members.metadata()["format_version"] == 7


# --- the study store reads models by format --------------------------------------------------------

def _store(folder, blobs: dict) -> None:
    """The least a study folder needs for load_networks: a meta table and the network column."""
    folder.mkdir()
    with sqlite3.connect(folder / "results.sqlite") as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("CREATE TABLE results (cell_id TEXT PRIMARY KEY, network BLOB)")
        db.executemany("INSERT INTO results VALUES (?, ?)", blobs.items())


def test_the_store_keeps_and_returns_every_kind_of_model_without_knowing_its_class(tmp_path):
    from uat.study.store import StoreError, load_networks, network_bytes

    unknown = io.BytesIO()
    write_npz(unknown, {"W": np.ones((2, 2))}, {"format": "uat.HyperNetwork", "format_version": 1})
    _store(tmp_path / "out", {"net": network_bytes(BIASED), "poly": network_bytes(POLYNOMIAL), "none": None,
                              "deep": unknown.getvalue()})
    found = load_networks(tmp_path / "out", ["net", "poly", "none"])
    assert type(found["net"]) is ShallowNetwork and type(found["poly"]) is PolynomialApproximant
    assert found["none"] is None and np.array_equal(found["poly"](X), POLYNOMIAL(X))
    with pytest.raises(StoreError, match=r"the stored network of cell deep is unreadable \(the model data holds a "
                                         r"model of format 'uat.HyperNetwork', which is not registered; registered "
                                         r"model formats: 'uat.ShallowNetwork', 'uat.DeepNetwork', 'uat.Polynomial'"):
        load_networks(tmp_path / "out", ["deep"])


def test_load_model_reads_each_of_uats_own_formats_without_its_module_imported_first(tmp_path):
    import subprocess
    import sys

    from uat.deep import DeepNetwork

    deep = DeepNetwork([np.ones((3, 1)), np.ones((1, 3))], [np.zeros(3), np.zeros(1)], activation="relu")
    paths = {"deep": tmp_path / "deep.npz", "network": tmp_path / "network.npz", "poly": tmp_path / "poly.npz"}
    deep.save(paths["deep"]), NETWORK.save(paths["network"]), POLYNOMIAL.save(paths["poly"])
    code = ("import sys, uat.models as m\nprint(sorted(k for k in sys.modules if k in ('uat.deep', 'uat.fitting')))\n"
            + "".join(f"print(type(m.load_model({str(p)!r})).__name__)\n" for p in paths.values()))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["[]", "DeepNetwork", "ShallowNetwork", "PolynomialApproximant"]



DEEP = DeepNetwork([[[1.0], [-2.0]], [[0.5, 1.5]]], [[0.5, 0.0], [0.25]], "relu")
#: One instance of every class uat registers, by format (a newly registered class fails the test below until it
#: has one here).
INSTANCES = {"uat.ShallowNetwork": (NETWORK, BIASED), "uat.DeepNetwork": (DEEP,), "uat.Polynomial": (POLYNOMIAL,)}
PROTOCOL = ("dim", "n_outputs", "n_params", "rounding_floor", "save", "load", "describe")


@pytest.mark.parametrize("format_name", list_model_formats())
def test_every_registered_model_class_has_the_whole_protocol(format_name):
    """One small shared protocol (issue 13): call, dim, n_outputs, n_params, rounding_floor, save/load, describe."""
    cls = model_format(format_name).model
    missing = [name for name in PROTOCOL if not hasattr(cls, name)]
    assert not missing, f"{cls.__name__} lacks {missing}"
    assert format_name in INSTANCES, f"add an instance of {cls.__name__} to INSTANCES"
    for model in INSTANCES[format_name]:
        assert type(model) is cls and model(X).shape == (len(X), model.n_outputs) and model.dim == 1
        assert isinstance(model.n_params, int) and model.n_params >= 1
        assert 0 <= model.rounding_floor(X) < 1e-12
        text = model.describe()
        assert isinstance(text, str) and str(model.n_params) in text
        assert cls.load(io.BytesIO(_saved(model))).describe() == text
