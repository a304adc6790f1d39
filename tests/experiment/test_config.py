"""Tests for ``lagom.experiment.config``: Grid, Sample, Condition and Config."""

from __future__ import annotations

import itertools
import math
import pickle
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lagom.experiment import Condition, Config, Grid, Sample
from lagom.testing import strategies

FIXED, GRID, SAMPLE, CONDITION = "fixed", "grid", "sample", "condition"


def kinds_of(config_items: Mapping[str, Any]) -> dict[str, list[str]]:
    """Item names grouped by kind, each group in ``config_items`` order."""
    groups: dict[str, list[str]] = {FIXED: [], GRID: [], SAMPLE: [], CONDITION: []}
    for key, value in config_items.items():
        if isinstance(value, Grid):
            groups[GRID].append(key)
        elif isinstance(value, Sample):
            groups[SAMPLE].append(key)
        elif isinstance(value, Condition):
            groups[CONDITION].append(key)
        else:
            groups[FIXED].append(key)
    return groups


def _grid_points(value_lists: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Plain nested loops over the grids: the first list is the outermost loop."""
    points: list[tuple[Any, ...]] = [()]
    for values in value_lists:
        points = [(*point, value) for point in points for value in values]
    return points


def _reference_configs(
    config_items: Mapping[str, Any], num_sample: int, seed: int
) -> list[dict[str, Any]]:
    """The documented expansion written as a loop, for the strategies' item kinds."""
    groups = kinds_of(config_items)
    points = _grid_points([list(config_items[k]) for k in groups[GRID]])
    rng = np.random.default_rng(seed)
    out: list[dict[str, Any]] = []
    for _ in range(num_sample if groups[SAMPLE] else 1):
        for point in points:
            config: dict[str, Any] = {"ID": len(out)}
            for key in groups[FIXED]:
                config[key] = config_items[key]
            for key, value in zip(groups[GRID], point, strict=True):
                config[key] = value
            for key in groups[SAMPLE]:
                config[key] = float(rng.random())
            for key in groups[CONDITION]:
                config[key] = dict(config)
            out.append(config)
    return out


# --- the documented examples -------------------------------------------------------------


def test_documented_example() -> None:
    # The reference prints this through pandas (whose old versions sorted the columns), so
    # its table is compared row by row, column by column.
    config = Config(
        {
            "log.dir": "some path",
            "network.lr": Grid([1e-3, 5e-3]),
            "env.id": Grid(["CartPole-v1", "Ant-v2"]),
        },
        num_sample=1,
        keep_dict_order=False,
    )
    table = [
        (0, "CartPole-v1", "some path", 0.001),
        (1, "Ant-v2", "some path", 0.001),
        (2, "CartPole-v1", "some path", 0.005),
        (3, "Ant-v2", "some path", 0.005),
    ]
    columns = ("ID", "env.id", "log.dir", "network.lr")
    assert [tuple(c[k] for k in columns) for c in config.make_configs()] == table
    assert all(set(c) == set(columns) for c in config.make_configs())


def _original_items() -> dict[str, Any]:
    return {
        "log.dir": "some path",
        "beta": Condition(lambda x: "small" if x["alpha"] < 5 else "large"),
        "network.type": "MLP",
        "network.hidden_size": [64, 64],
        "network.lr": Grid([1e-3, 1e-4]),
        "env.id": "HalfCheetah-v2",
        "iter": Grid([10, 20, 30]),
        "alpha": Sample(lambda rng: rng.uniform(3, 10)),
    }


@pytest.mark.parametrize("num_sample", [1, 5, 10])
@pytest.mark.parametrize("keep_dict_order", [True, False])
def test_original_suite_example(num_sample: int, keep_dict_order: bool) -> None:
    config_items = _original_items()
    configs = Config(config_items, num_sample, keep_dict_order, seed=0).make_configs()
    assert [c["ID"] for c in configs] == list(range(2 * 3 * num_sample))
    for c in configs:
        assert c["beta"] == ("small" if c["alpha"] < 5 else "large")
        assert c["network.lr"] in (1e-3, 1e-4)
        assert c["iter"] in (10, 20, 30)
        assert 3 <= c["alpha"] < 10
        assert c["network.hidden_size"] == [64, 64]
        if keep_dict_order:
            assert list(c) == ["ID", *config_items]
        else:
            assert list(c) == [
                "ID", "log.dir", "beta", "network.type", "network.hidden_size",
                "env.id", "network.lr", "iter", "alpha",
            ]  # fmt: skip


@pytest.mark.parametrize("num_sample", [1, 5])
def test_num_sample_repeats_nothing_without_samples(num_sample: int) -> None:
    grid_only = {"lr": Grid([1e-3, 1e-4]), "iter": Grid([10, 20, 30]), "alpha": 0.1}
    assert len(Config(grid_only, num_sample).make_configs()) == 6
    all_fixed = {"lr": 1e-3, "alpha": 0.1}
    assert Config(all_fixed, num_sample).make_configs() == [{"ID": 0, "lr": 1e-3, "alpha": 0.1}]
    assert Config({}, num_sample).make_configs() == [{"ID": 0}]


def test_grid_cycles_within_each_sample() -> None:
    config = Config({"g": Grid(["a", "b"]), "s": Sample(lambda rng: rng.random())}, 3, seed=1)
    configs = config.make_configs()
    assert [c["g"] for c in configs] == ["a", "b"] * 3
    assert len({c["s"] for c in configs}) == 6  # a fresh draw for every configuration


# --- properties against the reference loop ------------------------------------------------

_seeds = st.integers(0, 2**32 - 1)


@given(strategies.config_items(), st.integers(1, 3), st.booleans(), _seeds)
def test_matches_reference_loop(
    config_items: dict[str, Any], num_sample: int, keep_dict_order: bool, seed: int
) -> None:
    configs = Config(config_items, num_sample, keep_dict_order, seed).make_configs()
    expected = _reference_configs(config_items, num_sample, seed)
    groups = kinds_of(config_items)
    grid_size = math.prod(len(config_items[k]) for k in groups[GRID])
    assert len(configs) == grid_size * (num_sample if groups[SAMPLE] else 1)
    assert [c["ID"] for c in configs] == list(range(len(configs)))
    assert configs == expected
    if keep_dict_order:
        assert [list(c) for c in configs] == [["ID", *config_items]] * len(configs)
    else:
        others = [k for k in config_items if k not in groups[GRID] + groups[SAMPLE]]
        order = ["ID", *others, *groups[GRID], *groups[SAMPLE]]
        assert [list(c) for c in configs] == [order] * len(configs)


@given(st.lists(st.lists(st.integers(), min_size=1, max_size=3), max_size=4), st.integers(1, 3))
def test_grid_order_is_itertools_product(value_lists: list[list[int]], num_sample: int) -> None:
    config_items: dict[str, Any] = {f"k{i}": Grid(v) for i, v in enumerate(value_lists)}
    config_items["s"] = Sample(lambda: 0)
    configs = Config(config_items, num_sample).make_configs()
    keys = [f"k{i}" for i in range(len(value_lists))]
    product = list(itertools.product(*value_lists))
    assert [tuple(c[k] for k in keys) for c in configs] == product * num_sample
    assert product == _grid_points(value_lists)


@given(strategies.config_items(), st.integers(1, 3), _seeds, _seeds)
def test_seed_reproduces_and_distinguishes(
    config_items: dict[str, Any], num_sample: int, seed: int, other: int
) -> None:
    config = Config(config_items, num_sample, seed=seed)
    assert config.make_configs() == config.make_configs()
    assert Config(config_items, num_sample, seed=seed).make_configs() == config.make_configs()
    assume(seed != other and kinds_of(config_items)[SAMPLE])
    assert Config(config_items, num_sample, seed=other).make_configs() != config.make_configs()


def test_global_rng_untouched() -> None:
    # The legacy global state is exactly what must stay untouched, so it is read here.
    before = np.random.get_state(legacy=False)  # noqa: NPY002
    Config({"a": Sample(lambda rng: rng.normal()), "b": Grid([1, 2])}, 4, seed=3).make_configs()
    after = np.random.get_state(legacy=False)  # noqa: NPY002
    np.testing.assert_equal(after, before)


def test_unseeded_draws_are_fresh() -> None:
    config = Config({"a": Sample(lambda rng: rng.random())}, num_sample=4)
    assert config.make_configs() != config.make_configs()


def test_condition_sees_resolved_items_and_earlier_conditions() -> None:
    seen: list[Mapping[str, Any]] = []

    def record(config: Mapping[str, Any]) -> int:
        seen.append(config)  # kept as given: a snapshot must not change afterwards
        return len(seen)

    config_items = {
        "c1": Condition(record),
        "g": Grid([1, 2]),
        "c2": Condition(record),
        "s": Sample(lambda rng: rng.random()),
        "f": "fixed",
    }
    configs = Config(config_items, 1, seed=0).make_configs()
    assert len(seen) == 4
    for i, c in enumerate(configs):
        resolved = {"ID": c["ID"], "g": c["g"], "s": c["s"], "f": "fixed"}
        assert seen[2 * i] == resolved
        assert seen[2 * i + 1] == {**resolved, "c1": c["c1"]}
        assert (c["c1"], c["c2"]) == (2 * i + 1, 2 * i + 2)


def test_condition_gets_a_read_only_mapping() -> None:
    def mutate(config: Mapping[str, Any]) -> None:
        config["g"] = 0  # type: ignore[index]

    with pytest.raises(ValueError, match="Condition item 'bad' raised TypeError"):
        Config({"g": Grid([1]), "bad": Condition(mutate)}).make_configs()


# --- the item classes ----------------------------------------------------------------------


def test_grid_is_an_immutable_sequence() -> None:
    grid = Grid(x for x in range(3))
    assert (len(grid), grid[0], grid[-1], grid[1:], list(grid)) == (3, 0, 2, (1, 2), [0, 1, 2])
    assert grid == Grid([0, 1, 2])
    assert 2 in grid
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        grid.values = (5,)  # type: ignore[misc]


def test_sample_calls() -> None:
    assert Sample(lambda: 5)() == 5
    assert Sample(lambda: 5)(np.random.default_rng(0)) == 5  # a no-argument f ignores rng
    draw = Sample(lambda rng: rng.uniform(3, 7))
    assert draw.takes_rng
    assert draw(np.random.default_rng(7)) == np.random.default_rng(7).uniform(3, 7)
    assert 3 <= draw() < 7

    def scaled(rng: np.random.Generator, scale: float = 2.0) -> float:
        return scale * rng.random()

    assert Sample(scaled).takes_rng


def test_condition_calls() -> None:
    condition = Condition(lambda x: 10 if x["one"] == "ten" else -1)
    assert (condition({"one": "ten"}), condition({"one": 10})) == (10, -1)


def test_config_is_frozen_and_copies_items() -> None:
    config_items: dict[str, Any] = {"a": Grid([1, 2])}
    config = Config(config_items)
    config_items["b"] = 3
    assert list(config.items) == ["a"]
    with pytest.raises(TypeError):
        config.items["b"] = 3  # type: ignore[index]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        config.num_sample = 2  # type: ignore[misc]


def _uniform(rng: np.random.Generator) -> float:
    return float(rng.random())


def test_config_pickles() -> None:
    config = Config({"a": Grid([1, 2]), "s": Sample(_uniform), "f": [3]}, 2, True, seed=5)
    clone = pickle.loads(pickle.dumps(config))
    assert clone == config
    assert clone.make_configs() == config.make_configs()


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "error", "match"),
    [
        ([], ValueError, "at least one value"),
        ("abc", TypeError, "got str"),
        (b"ab", TypeError, "got bytes"),
        (5, TypeError, "got int"),
        ([1, Grid([2, 3])], TypeError, "Grid values must be plain values, got a Grid at index 1"),
        ([Sample(lambda: 1)], TypeError, "got a Sample at index 0"),
        # A set's order follows string hashes, which change between processes.
        ({"relu", "tanh"}, TypeError, r"Grid expects values in an order, got a set.*sorted"),
        (frozenset({1, 2}), TypeError, "got a frozenset"),
        # Used to raise numpy's "iteration over a 0-d array".
        (np.array(3), TypeError, "Grid expects an iterable of values such as a list, got ndarray"),
    ],
)
def test_grid_errors(values: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        Grid(values)


@pytest.mark.parametrize(
    ("f", "match"),
    [
        (5, "expects a callable, got int"),
        (lambda a, b: 0, r"requiring \['a', 'b'\]"),
        (lambda *, k: 0, r"requiring \['k'\]"),
        (max, "cannot read the signature"),
    ],
)
def test_sample_errors(f: Any, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        Sample(f)


def test_condition_errors() -> None:
    with pytest.raises(TypeError, match="expects a callable, got str"):
        Condition("x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"items": [1, 2, 3]}, TypeError, "dict of items, got list"),
        ({"items": {1: 2}}, TypeError, "names must be str"),
        ({"items": {"ID": 1}}, ValueError, "'ID' is reserved"),
        ({"items": {}, "num_sample": 0}, ValueError, "num_sample must be at least 1, got 0"),
        ({"items": {}, "num_sample": -3}, ValueError, "num_sample must be at least 1, got -3"),
        ({"items": {}, "num_sample": 1.5}, TypeError, "num_sample must be an int, got float"),
        ({"items": {}, "num_sample": True}, TypeError, "num_sample must be an int, got bool"),
        ({"items": {}, "keep_dict_order": 1}, TypeError, "keep_dict_order must be a bool"),
        ({"items": {}, "seed": -1}, ValueError, r"seed must be in \[0, 2\*\*32 - 1\], got -1"),
        ({"items": {}, "seed": 2**32}, ValueError, r"seed must be in \[0, 2\*\*32 - 1\]"),
        ({"items": {}, "seed": "0"}, TypeError, "seed must be an int, got str"),
        ({"items": {}, "seed": True}, TypeError, "seed must be an int, got bool"),
        # Only a Config's own items are expanded: nested, they were kept as values.
        ({"items": {"a": {"b": Grid([1, 2])}}}, ValueError, r"item a\['b'\] holds a Grid"),
        ({"items": {"a": [1, Sample(lambda: 1)]}}, ValueError, r"item a\[1\] holds a Sample"),
        (
            {"items": {"a": ({"c": Condition(lambda c: 1)},)}},
            ValueError,
            r"item a\[0\]\['c'\] holds a Condition",
        ),
    ],
)
def test_config_errors(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        Config(**kwargs)


def test_failing_items_name_themselves() -> None:
    later = {"a": Condition(lambda c: c["b"]), "b": Condition(lambda c: 1)}
    with pytest.raises(ValueError, match="Condition item 'a' raised KeyError"):
        Config(later).make_configs()
    broken = {"x": Sample(lambda rng: 1 / 0)}
    with pytest.raises(ValueError, match="Sample item 'x' raised ZeroDivisionError"):
        Config(broken).make_configs()


@pytest.mark.parametrize(
    ("item", "match"),
    [
        (Sample(lambda: Grid([1, 2])), "Sample item 'a' returned a Grid; a Sample must return"),
        (Sample(lambda rng: Sample(lambda: 1)), "Sample item 'a' returned a Sample"),
        (Condition(lambda c: Grid([1])), "Condition item 'a' returned a Grid"),
    ],
)
def test_items_that_return_search_items_are_refused(item: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Config({"a": item}, seed=0).make_configs()


def test_numpy_seed_and_flag_are_accepted() -> None:
    config = Config({"x": Sample(lambda rng: float(rng.random()))}, seed=np.uint32(3))
    assert config.seed == 3
    assert type(config.seed) is int
    assert Config({}, keep_dict_order=np.True_).keep_dict_order is True
