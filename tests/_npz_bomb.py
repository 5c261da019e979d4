"""Crafted .npz archives for the tests of uat.npzfile: small files announcing or inflating to huge arrays."""

import io
import json
import zipfile

import numpy as np
from numpy.lib import format as npy

import uat


def network_metadata(width=3, dim=2, n_outputs=1):
    return np.array(json.dumps({"format": "uat.ShallowNetwork", "format_version": 1, "activation": "tanh",
                                "width": width, "dim": dim, "n_outputs": n_outputs, "uat_version": uat.__version__}))


def _member(archive, name, shape, data=None, zeros=0, dtype="<f8"):
    """Write a member whose header announces ``shape``, holding ``data`` (bytes) or ``zeros`` zero bytes."""
    with archive.open(f"{name}.npy", "w", force_zip64=True) as stream:
        npy.write_array_header_1_0(stream, {"descr": dtype, "fortran_order": False, "shape": shape})
        if data is not None:
            stream.write(data)
        chunk = bytes(1 << 23)
        for start in range(0, zeros, len(chunk)):
            stream.write(chunk[:min(len(chunk), zeros - start)])


def bomb(members, metadata=None) -> bytes:
    """An archive of ``members``: name → (shape, zero bytes written), deflated; plus the metadata."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, (shape, zeros) in members.items():
            _member(archive, name, shape, zeros=zeros)
        with archive.open("metadata.npy", "w") as stream:
            npy.write_array(stream, network_metadata() if metadata is None else metadata)
    return buffer.getvalue()


def inflating_network() -> bytes:
    """A width-3 network's metadata beside an A of zeros that inflates to 128 MiB (a ~130 kB file)."""
    rows = 1 << 23
    return bomb({"A": ((rows, 2), rows * 16), "b": ((3,), 24), "C": ((1, 3), 24)})
