"""Large batches pause Python's cyclic collector and always switch it back on (core.bulk)."""

import gc

import pytest

from permanence.core.bulk import LARGE, collector_paused


def test_a_large_batch_pauses_the_collector_and_switches_it_back_on_even_when_it_fails():
    assert gc.isenabled()
    with collector_paused(LARGE):
        assert not gc.isenabled()
        with collector_paused(LARGE * 10):  # nested: the outer pause decides
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with collector_paused(LARGE):
            raise RuntimeError("the batch failed")
    assert gc.isenabled()


def test_one_childs_recompute_leaves_the_collector_alone():
    with collector_paused(1):
        assert gc.isenabled()
