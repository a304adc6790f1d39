"""Probe cases of image and ``Dict`` observations: encoders, the replay buffer's
``observation_space``, ``common.make_env``/``obs_tensor``/``observation_encoder``,
:class:`~lagom.baselines.common.EncodedCritic`, dict rollouts and the off-policy agents'
``observation_space``."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from gymnasium import spaces

from lagom import data, networks, runner
from lagom.baselines import common, sac, td3
from tests.bad_inputs.probe import Probe

_BOX = spaces.Box(-1.0, 1.0, (2,), np.float32)
_GOAL = spaces.Dict({"observation": _BOX, "desired_goal": _BOX})
_FRAMES = spaces.Box(0, 255, (2, 3), np.uint8)
_CPU = torch.device("cpu")
#: What an argument that must be a gymnasium space gets.
_SPACE = ("None", "str", "neg", "obj")


def _goal_rows(n: int) -> dict[str, Any]:
    return {"desired_goal": np.zeros((n, 2), np.float32), "observation": np.ones((n, 2))}


def probe_dict_observations(probe: Probe) -> None:
    probe.sweep(
        "make_encoder",
        lambda space, kind, hidden_sizes, device: networks.make_encoder(
            space, kind, hidden_sizes=hidden_sizes, device=device
        ),
        {"space": _GOAL, "kind": "auto", "hidden_sizes": [4], "device": None},
        {
            "space": _SPACE,
            "kind": "choice",
            # An empty list is valid: no hidden layer.
            "hidden_sizes": ("None", "str", "neg", "[neg]", "[zero]", "[frac]", "[bool]", "obj"),
            "device": "device",
        },
        also={"space": ("[zero]",)},
        names={"space": ("Box",)},
    )
    probe.sweep(
        "common.make_env",
        lambda env_id: common.make_env(env_id),
        {"env_id": "CartPole-v1"},
        {"env_id": ("None", "neg", "obj")},
    )
    probe.sweep(
        "common.obs_tensor",
        common.obs_tensor,
        {"observations": _goal_rows(2), "device": _CPU},
        {"observations": ("None", "str", "strarr", "obj"), "device": "device"},
    )
    probe.sweep(
        "common.observation_encoder",
        common.observation_encoder,
        {"space": _GOAL, "device": None},
        {"space": _SPACE, "device": "device"},
    )
    encoder = networks.make_encoder(_GOAL)
    probe.sweep(
        "common.EncodedCritic",
        common.EncodedCritic,
        {"encoder": encoder, "critic": networks.QEnsemble(4, 1, [4], n=2)},
        {"encoder": "object", "critic": "object"},
    )
    probe.sweep(
        "ReplayBuffer(observation_space=)",
        lambda obs_dim, observation_space: runner.ReplayBuffer(
            4, obs_dim, 1, 0, observation_space=observation_space
        ),
        {"obs_dim": 4, "observation_space": _GOAL},
        {"obs_dim": "count", "observation_space": ("str", "neg", "obj", "[zero]")},
    )

    def add_goal(**kwargs: Any) -> None:
        runner.ReplayBuffer(4, 4, 1, 0, observation_space=_GOAL).add(**kwargs)

    columns = ("None", "str", "empty", "3d", "nanarr", "strarr", "obj")
    probe.sweep(
        "ReplayBuffer(observation_space=Dict).add",
        add_goal,
        {
            "observations": _goal_rows(1),
            "actions": [[0.5]],
            "rewards": [1.0],
            "next_observations": _goal_rows(1),
            "terminated": [False],
            "truncated": [False],
        },
        {"observations": columns, "next_observations": columns},
    )

    def add_frames(**kwargs: Any) -> None:
        runner.ReplayBuffer(4, 6, 1, 0, observation_space=_FRAMES).add(**kwargs)

    frame = np.zeros((1, 2, 3), np.uint8)
    probe.sweep(
        "ReplayBuffer(observation_space=Box).add",
        add_frames,
        {
            "observations": frame,
            "actions": [[0.5]],
            "rewards": [1.0],
            "next_observations": frame,
            "terminated": [False],
            "truncated": [False],
        },
        {"observations": columns, "next_observations": columns},
    )
    kinds = {"observation": columns, "next_observation": columns}
    for label, space, example in (("Box", _FRAMES, frame[0]), ("Dict", _GOAL, _goal_rows(1))):
        if isinstance(example, dict):
            example = {key: x[0] for key, x in example.items()}

        def add_one(space: Any = space, **kwargs: Any) -> None:
            dim = spaces.flatdim(space)
            runner.ReplayBuffer(4, dim, 1, 0, observation_space=space).add_one(**kwargs)

        probe.sweep(
            f"ReplayBuffer(observation_space={label}).add_one",
            add_one,
            {
                "observation": example,
                "action": [0.5],
                "reward": 1.0,
                "next_observation": example,
                "terminated": False,
                "truncated": False,
            },
            kinds,
        )
    T, N = 3, 2
    goal = {"desired_goal": np.zeros((T, N, 2)), "observation": np.ones((T, N, 2))}
    probe.sweep(
        "Rollout(dict observations)",
        data.Rollout,
        {
            "observations": goal,
            "actions": np.zeros((T, N), dtype=np.int64),
            "rewards": np.ones((T, N)),
            "terminated": np.zeros((T, N), dtype=bool),
            "truncated": np.zeros((T, N), dtype=bool),
            "next_observations": goal,
        },
        {
            "observations": ("None", "str", "empty", "3d", "obj", "[zero]"),
            "next_observations": ("None", "str", "empty", "3d", "obj", "[zero]"),
        },
        also={"next_observations": ("emptyarr",)},
    )
    probe.sweep(
        "sac.SACAgent(observation_space=)",
        lambda obs_dim, observation_space: sac.SACAgent(
            obs_dim,
            2,
            sac.SACAgentConfig(hidden_sizes=(4,)),
            _CPU,
            observation_space=observation_space,
        ),
        {"obs_dim": 4, "observation_space": _GOAL},
        {"obs_dim": "count", "observation_space": ("str", "neg", "obj")},
    )
    probe.sweep(
        "td3.TD3Agent(observation_space=)",
        lambda obs_dim, observation_space: td3.TD3Agent(
            obs_dim,
            2,
            td3.TD3AgentConfig(hidden_sizes=(4,)),
            _CPU,
            observation_space=observation_space,
        ),
        {"obs_dim": 4, "observation_space": _GOAL},
        {"obs_dim": "count", "observation_space": ("str", "neg", "obj")},
    )
    probe.sweep(
        "sac.SquashedGaussianActor(encoder=)",
        lambda obs_dim, encoder: sac.SquashedGaussianActor(obs_dim, 2, [4], encoder=encoder),
        {"obs_dim": 4, "encoder": encoder},
        {"obs_dim": "count", "encoder": ("str", "neg", "obj")},
    )
    probe.sweep(
        "td3.DeterministicActor(encoder=)",
        lambda obs_dim, encoder: td3.DeterministicActor(obs_dim, 2, [4], encoder=encoder),
        {"obs_dim": 4, "encoder": encoder},
        {"obs_dim": "count", "encoder": ("str", "neg", "obj")},
    )
