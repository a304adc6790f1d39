"""Frozen attrs configurations <-> flat dicts of dotted keys (``lagom.experiment.dotted``)."""

from __future__ import annotations

from typing import Literal

import attrs
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from lagom.experiment import dotted_fields, from_dotted, parse_dotted, to_dotted


@attrs.frozen
class Agent:
    gamma: float = attrs.field(
        default=0.99, validator=[attrs.validators.ge(0.0), attrs.validators.le(1.0)]
    )
    hidden_sizes: tuple[int, ...] = attrs.field(default=(64, 64))
    activation: Literal["tanh", "relu"] = "tanh"
    clip_vf: float | None = None
    normalize: bool = True


@attrs.frozen
class Train:
    timesteps: int = attrs.field(default=1000, validator=attrs.validators.gt(0))
    stop_at: int | None = None


@attrs.frozen
class Run:
    agent: Agent = Agent()
    train: Train = Train()
    name: str = "run"


configs = st.builds(
    Run,
    agent=st.builds(
        Agent,
        gamma=st.floats(0.0, 1.0),
        hidden_sizes=st.lists(st.integers(1, 512), max_size=4).map(tuple),
        activation=st.sampled_from(["tanh", "relu"]),
        clip_vf=st.none() | st.floats(0.0, 10.0),
        normalize=st.booleans(),
    ),
    train=st.builds(
        Train, timesteps=st.integers(1, 10**9), stop_at=st.none() | st.integers(0, 10**9)
    ),
    name=st.text(max_size=10),
)


@given(configs)
def test_dotted_dicts_round_trip(config: Run) -> None:
    flat = to_dotted(config)
    assert from_dotted(Run(), flat) == config
    # ... also through YAML, as config.yml stores them.
    assert from_dotted(Run(), yaml.safe_load(yaml.safe_dump(flat))) == config


@given(configs)
def test_command_line_text_round_trips(config: Run) -> None:
    items = []
    for key, value in to_dotted(config).items():
        if key == "name":
            continue  # free text; a str field takes the text as it is
        if isinstance(value, list):
            text = ",".join(map(str, value)) if value else "[]"
        elif value is None:
            text = "none"
        else:
            text = repr(value) if isinstance(value, float) else str(value)
        items.append(f"{key}={text}")
    parsed = from_dotted(config, parse_dotted(config, items))
    assert parsed == config


def test_keys_follow_field_order_and_name_their_types() -> None:
    fields = dotted_fields(Run())
    assert list(fields) == [
        "agent.gamma",
        "agent.hidden_sizes",
        "agent.activation",
        "agent.clip_vf",
        "agent.normalize",
        "train.timesteps",
        "train.stop_at",
        "name",
    ]
    assert fields["train.timesteps"] is int
    assert fields["agent.clip_vf"] == (float | None)


def test_the_base_is_not_changed() -> None:
    base = Run()
    new = from_dotted(base, {"train.timesteps": 5})
    assert base.train.timesteps == 1000
    assert new.train.timesteps == 5
    assert new.agent is base.agent


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"agent.gama": 0.5}, "unknown config key 'agent.gama'; did you mean 'agent.gamma'?"),
        ({"zzz": 1}, "unknown config key 'zzz'; known keys: agent.gamma, "),
        ({"agent.gamma": "0.5"}, "config key 'agent.gamma' expects float, got str '0.5'"),
        ({"agent.gamma": True}, "config key 'agent.gamma' expects float, got bool True"),
        ({"train.timesteps": 2.5}, "config key 'train.timesteps' expects int, got float 2.5"),
        ({"agent.normalize": 1}, "config key 'agent.normalize' expects bool, got int 1"),
        ({"agent.hidden_sizes": 64}, "config key 'agent.hidden_sizes' expects tuple"),
        ({"agent.hidden_sizes": [64, "a"]}, "config key 'agent.hidden_sizes[1]' expects int"),
        # A dict's keys were taken as the tuple, a set's items in hash order.
        ({"agent.hidden_sizes": {64: "a"}}, "config key 'agent.hidden_sizes' expects tuple"),
        ({"agent.hidden_sizes": {64, 32}}, "config key 'agent.hidden_sizes' expects tuple"),
        (
            {"agent.activation": "elu"},
            "config key 'agent.activation' expects one of 'tanh', 'relu'",
        ),
        ({"agent.gamma": 1.5}, "config key 'agent.gamma': 'gamma' must be <= 1.0: 1.5"),
        # Only the key the validator names, not every key changed in its section.
        (
            {"agent.hidden_sizes": (4,), "agent.gamma": 1.5},
            "config key 'agent.gamma': 'gamma' must be <= 1.0: 1.5",
        ),
        ({"train.timesteps": 0}, "config key 'train.timesteps': 'timesteps' must be > 0: 0"),
        ({"agent": 3}, "unknown config key 'agent'"),
    ],
)
def test_bad_values_name_key_value_and_type(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match="^" + _escape(message)):
        from_dotted(Run(), values)


def _escape(text: str) -> str:
    import re

    return re.escape(text)


def test_whole_floats_are_accepted_for_ints_and_ints_for_floats() -> None:
    config = from_dotted(Run(), {"train.timesteps": 1e6, "agent.gamma": 1})
    assert config.train.timesteps == 1_000_000
    assert isinstance(config.train.timesteps, int)
    assert isinstance(config.agent.gamma, float)


def test_a_numpy_bool_is_a_bool() -> None:
    # Refused before, as "expects bool, got bool np.True_".
    import numpy as np

    config = from_dotted(Run(), {"agent.normalize": np.bool_(False)})
    assert config.agent.normalize is False


def test_id_is_ignored_unless_asked() -> None:
    assert from_dotted(Run(), {"ID": 3}) == Run()
    with pytest.raises(ValueError, match="unknown config key 'ID'"):
        from_dotted(Run(), {"ID": 3}, ignore=())


@pytest.mark.parametrize(
    ("item", "key", "value"),
    [
        ("train.stop_at=null", "train.stop_at", None),
        ("train.stop_at=1e4", "train.stop_at", 10_000),
        ("agent.hidden_sizes=[]", "agent.hidden_sizes", ()),
        ("agent.hidden_sizes=[32, 16]", "agent.hidden_sizes", (32, 16)),
        ("agent.normalize=no", "agent.normalize", False),
        ("agent.gamma=3e-1", "agent.gamma", 0.3),
        ("name= spaced ", "name", "spaced"),
    ],
)
def test_text_is_read_by_the_field_type(item: str, key: str, value: object) -> None:
    assert parse_dotted(Run(), [item]) == {key: value}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("agent.gamma", "--set expects KEY=VALUE, got 'agent.gamma'"),
        ("=1", "--set expects KEY=VALUE"),
        ("agent.gamma=high", "config key 'agent.gamma' expects float, got 'high'"),
        ("agent.normalize=maybe", "config key 'agent.normalize' expects bool"),
        ("train.timesteps=1.5", "config key 'train.timesteps' expects int, got '1.5'"),
        ("agent.gamm=1", "did you mean 'agent.gamma'?"),
    ],
)
def test_bad_text_is_a_value_error(item: str, message: str) -> None:
    with pytest.raises(ValueError, match=_escape(message)):
        parse_dotted(Run(), [item])


def test_non_attrs_inputs_are_type_errors() -> None:
    with pytest.raises(TypeError, match="attrs configuration instance, got dict"):
        to_dotted({"a": 1})
    with pytest.raises(TypeError, match="attrs configuration instance"):
        from_dotted(Run, {})


@attrs.frozen
class _Containers:
    sizes: list[int] = attrs.field(factory=lambda: [64])
    weights: dict[str, float] = attrs.field(factory=dict)
    lr: float = 0.1


def test_list_and_dict_fields_take_their_items_checked() -> None:
    # Before: "config key 'sizes' expects list[int], got list [1]", a valid value refused.
    done = from_dotted(_Containers(), {"sizes": (32, 32.0), "weights": {"a": 1}})
    assert done == _Containers(sizes=[32, 32], weights={"a": 1.0})
    assert type(done.weights["a"]) is float
    with pytest.raises(ValueError, match=r"'sizes\[1\]' expects int, got str 'x'"):
        from_dotted(_Containers(), {"sizes": [1, "x"]})
    with pytest.raises(ValueError, match="'sizes' expects list"):
        from_dotted(_Containers(), {"sizes": "12"})
    with pytest.raises(ValueError, match="'weights' expects dict"):
        from_dotted(_Containers(), {"weights": [1.0]})


def test_an_int_too_large_for_a_float_field_is_named() -> None:
    # Before: OverflowError from float().
    with pytest.raises(ValueError, match=r"'lr' expects a float, got 1000\d* \(too large"):
        from_dotted(_Containers(), {"lr": 10**400})


def test_a_numpy_string_is_a_str_and_a_literal() -> None:
    # A Grid over np.array(["tanh", "relu"]) gives numpy strings: the Literal refused them.
    import numpy as np

    config = from_dotted(Run(), {"agent.activation": np.str_("relu"), "name": np.str_("a")})
    assert config.agent.activation == "relu"
    assert type(config.agent.activation) is str
    assert type(config.name) is str


@pytest.mark.parametrize(
    ("text", "value"),
    [("64,32", (64, 32)), ("[64, 32]", (64, 32)), ("(64,)", (64,)), ("64,", (64,)), ("()", ())],
)
def test_tuple_texts_in_every_written_form(text: str, value: tuple[int, ...]) -> None:
    assert parse_dotted(Run(), [f"agent.hidden_sizes={text}"]) == {"agent.hidden_sizes": value}


@pytest.mark.parametrize("text", ["[64,", "64]", "[64,,32]", "[,]", ",", "", "[[64]]"])
def test_a_malformed_tuple_text_is_refused_not_read_as_another(text: str) -> None:
    # Before: "[64," and "[[64]]" read as (64,), "[64,,32]" as (64, 32), "" and "[,]" as ().
    with pytest.raises(ValueError, match=r"config key 'agent\.hidden_sizes"):
        parse_dotted(Run(), [f"agent.hidden_sizes={text}"])
