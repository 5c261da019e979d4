"""numpy's BLAS pool is single-threaded while uat fits, and restored afterwards."""

import pytest
from threadpoolctl import threadpool_info

import uat
from uat._threads import single_numpy_blas


def _numpy_threads():
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas" and "numpy" in p["filepath"]]


def _separate_pools():
    return len([p for p in threadpool_info() if p["user_api"] == "blas"]) > len(_numpy_threads())


def test_numpy_pool_is_single_threaded_inside_and_restored_after():
    if not _separate_pools():
        pytest.skip("numpy and scipy share one BLAS here: nothing to separate")
    before = _numpy_threads()
    with single_numpy_blas():
        assert _numpy_threads() == [1] * len(before)
    assert _numpy_threads() == before


def test_restored_after_an_error_inside_a_fit():
    before = _numpy_threads()
    with pytest.raises(ValueError):
        uat.fit("runge", width=8, ridge=-1.0)
    assert _numpy_threads() == before
