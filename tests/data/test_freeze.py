"""Tests for ``lagom.data._freeze``: deep read-only copies of record payloads."""

from __future__ import annotations

import copy
import types
from collections import OrderedDict, namedtuple
from typing import Any

import numpy as np
import pytest
from hypothesis import given

from lagom.data import StepType, TimeStep
from lagom.data._freeze import EMPTY_INFO, freeze, freeze_array, freeze_info, is_frozen, thaw
from lagom.data._values import values_equal
from tests.data.frozen_checks import assert_deeply_frozen, mutate, payloads


@given(payloads())
def test_freeze_is_deep_and_detached_from_the_original(value: Any) -> None:
    snapshot = copy.deepcopy(value)
    frozen = freeze(value)
    assert_deeply_frozen(frozen)
    mutate(value)
    assert values_equal(frozen, freeze(snapshot))


@given(payloads())
def test_freezing_again_copies_nothing(value: Any) -> None:
    frozen = freeze(value)
    again = freeze(frozen)
    assert values_equal(again, frozen)
    if isinstance(frozen, (np.ndarray, tuple)) and not _holds_mapping(frozen):
        assert again is frozen  # read-only arrays and tuples of frozen items are kept


def _holds_mapping(value: Any) -> bool:
    if isinstance(value, types.MappingProxyType):
        return True
    if isinstance(value, tuple) or (isinstance(value, np.ndarray) and value.dtype == object):
        return any(
            _holds_mapping(item) for item in (value.flat if hasattr(value, "flat") else value)
        )
    return False


@given(payloads())
def test_thaw_undoes_the_proxies(value: Any) -> None:
    frozen = freeze(value)
    thawed = thaw(frozen)
    assert not _holds_mapping(thawed)
    assert values_equal(freeze(thawed), frozen)


def test_containers_become_their_immutable_counterparts() -> None:
    Point = namedtuple("Point", "x y")
    frozen = freeze({"list": [1, [2]], "set": {3}, "point": Point([1], 2), "od": OrderedDict(a=1)})
    assert frozen["list"] == (1, (2,))
    assert frozen["set"] == frozenset({3})
    assert type(frozen["point"]) is Point
    assert frozen["point"] == Point((1,), 2)
    assert type(frozen["od"]) is types.MappingProxyType
    immutable = (1, "a", None)
    assert freeze(immutable) is immutable


def test_objects_lagom_cannot_freeze_are_kept() -> None:
    class Tensor:  # stands for a torch tensor an agent stores in an info
        pass

    tensor = Tensor()
    assert freeze(tensor) is tensor
    assert freeze({"V": tensor})["V"] is tensor


def test_freeze_array_copies_only_what_someone_else_could_write() -> None:
    mine = np.arange(3.0)
    frozen = freeze_array(mine)
    assert not np.shares_memory(frozen, mine)
    assert freeze_array(frozen) is frozen
    assert freeze_array(frozen[1:]).base is frozen.base  # a read-only view: no copy
    # An array its owner made read-only can be made writeable again by its owner: copied.
    mine.setflags(write=False)
    assert is_frozen(mine) is False
    assert not np.shares_memory(freeze_array(mine), mine)
    # A list is converted into a new array, which nobody else holds.
    assert freeze_array([[1, 2]]).base.flags.owndata


def test_freeze_array_of_a_subclass_or_buffer_is_a_plain_copy() -> None:
    masked = np.ma.masked_array([1.0, 2.0], mask=[False, True])
    assert type(freeze_array(masked)) is np.ndarray
    buffer = bytearray(b"\x01\x02")
    frozen = freeze_array(memoryview(buffer))
    buffer[0] = 9
    assert frozen.tolist() == [1, 2]


def test_a_read_only_view_of_someone_elses_buffer_is_copied() -> None:
    # Read-only down to an array that does not own its memory (shared memory, a memory
    # map, a bytearray): the buffer's owner can still write, so the record keeps a copy.
    buffer = bytearray(16)
    array = np.frombuffer(buffer, dtype=np.float64)
    array.setflags(write=False)
    view = array.view()
    view.setflags(write=False)
    assert is_frozen(view) is False
    frozen = freeze_array(view)
    step = TimeStep(StepType.FIRST, view)
    buffer[:8] = np.float64(7.0).tobytes()
    assert frozen.tolist() == [0.0, 0.0]
    assert step.observation.tolist() == [0.0, 0.0]


def test_object_arrays_freeze_their_items() -> None:
    items = np.empty(2, dtype=object)
    items[0], items[1] = {"a": [1]}, np.zeros(2)
    frozen = freeze_array(items)
    assert_deeply_frozen(frozen)
    items[1][0] = 5.0
    assert frozen[1][0] == 0.0
    assert frozen[0] == {"a": (1,)}


@pytest.mark.parametrize("shape", [(4,), (2, 2)])
def test_object_arrays_of_any_shape_keep_none_and_freeze_the_rest(shape: tuple[int, ...]) -> None:
    # A vector env's final_obs: a row per ended sub-environment, None for the others.
    items = np.empty(4, dtype=object)
    items[1], items[2] = np.arange(3.0), {"b": {}}
    items = items.reshape(shape)
    frozen = freeze_array(items)
    assert_deeply_frozen(frozen)
    flat = frozen.reshape(-1)
    assert flat[0] is None
    assert flat[3] is None
    assert flat[1].tolist() == [0.0, 1.0, 2.0]
    assert flat[2] == {"b": {}}
    items.reshape(-1)[1][0] = 7.0
    assert flat[1][0] == 0.0
    assert freeze({}) is EMPTY_INFO
    assert freeze(OrderedDict()) is EMPTY_INFO


def test_a_sealed_object_array_of_frozen_items_is_kept_and_any_other_is_copied() -> None:
    items = np.empty(3, dtype=object)
    items[0], items[2] = freeze_array(np.zeros(2)), 1.5
    frozen = freeze_array(items)
    assert frozen is not items
    assert freeze_array(frozen) is frozen  # read-only down to its memory, items frozen
    # Read-only, but its owner can make it writeable again: copied.
    items.setflags(write=False)
    copied = freeze_array(items)
    assert copied is not items
    items.setflags(write=True)
    items[2] = 9.0
    assert copied[2] == 1.5
    # Sealed, but holding an array someone else can write to: copied, the item frozen too.
    writable = np.zeros(2)
    holder = np.empty(1, dtype=object)
    holder[0] = writable
    holder.setflags(write=False)
    sealed = holder.view()
    out = freeze_array(sealed)
    assert out is not sealed
    writable[0] = 3.0
    assert out[0][0] == 0.0
    assert_deeply_frozen(out)


def test_a_sealed_object_array_of_rows_of_one_sealed_array_is_kept() -> None:
    # gymnasium's final_obs layout: the final observations of one step are rows of one
    # read-only copy, None elsewhere; such an array is frozen already.
    rows = freeze_array(np.arange(6.0).reshape(3, 2))
    finals = np.empty(4, dtype=object)
    finals[0], finals[1], finals[3] = rows[0], rows[1], rows[2]
    sealed = freeze_array(finals)
    assert freeze_array(sealed) is sealed
    assert freeze_info({"final_obs": sealed})["final_obs"] is sealed
    # Before or after a frozen row, a read-only array that owns its memory (its owner may
    # make it writeable again) or an array over memory someone else can write to: copied.
    owner = np.ones(2)
    owner.setflags(write=False)
    row = rows[0]
    for loose in (owner, np.ndarray((2,), buffer=bytearray(16))):
        for order in ((row, loose), (loose, row)):
            holder = np.empty(2, dtype=object)
            holder[0], holder[1] = order
            holder.setflags(write=False)
            out = freeze_array(holder.view())
            assert out is not holder
            assert out[0 if order[0] is row else 1] is row
            assert out[1 if order[0] is row else 0] is not loose
        assert_deeply_frozen(out)


def test_freeze_info_checks_the_type_and_shares_the_empty_info() -> None:
    assert freeze_info({}) is EMPTY_INFO
    assert freeze_info(OrderedDict()) is EMPTY_INFO
    with pytest.raises(TypeError, match=r"last_info must be a mapping .*got int"):
        freeze_info(3, "last_info")


def test_freeze_info_freezes_an_array_held_under_two_keys_once() -> None:
    # gymnasium's vector infos hold one mask under "_final_obs" and "_final_info".
    mask = np.array([True, False])
    frozen = freeze_info({"_final_obs": mask, "final_info": {}, "_final_info": mask})
    assert frozen["_final_obs"] is frozen["_final_info"]
    assert not np.shares_memory(frozen["_final_obs"], mask)
    mask[1] = True
    assert frozen["_final_info"].tolist() == [True, False]
    assert_deeply_frozen(frozen)
    # Frozen already: kept as it is under both keys.
    sealed = freeze_array(np.array([False, True]))
    again = freeze_info({"a": sealed, "b": sealed})
    assert again["a"] is sealed
    assert again["b"] is sealed
