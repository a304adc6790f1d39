"""The reference algorithms' configurations, importable without torch or gymnasium.

One module per algorithm family holds its frozen ``attrs`` configuration classes (with their
field validators and documentation), its default environment, its zoo of tuned values and
``base_config(env_id)``: the configuration the algorithm's ``default_config`` gives
``env_id``, without creating the environment. The algorithm modules import the classes back
(``lagom.baselines.ppo.PPOConfig is lagom.baselines.configs.ppo.PPOConfig``), so these modules
let ``lagom train`` check every ``--set`` and ``--config`` key before torch is imported
(:func:`lagom.baselines.check_overrides`).

- :mod:`lagom.baselines.configs.ppo`: PPO's sections (VPG's too),
  :class:`~lagom.baselines.configs.ppo.PPOConfig`;
- :mod:`lagom.baselines.configs.ppo_lstm`: recurrent PPO's;
- :mod:`lagom.baselines.configs.vpg`: :class:`~lagom.baselines.configs.vpg.VPGConfig`;
- :mod:`lagom.baselines.configs.offpolicy`: the sections SAC, TD3/DDPG and DQN share;
- :mod:`lagom.baselines.configs.sac`, :mod:`~lagom.baselines.configs.td3`,
  :mod:`~lagom.baselines.configs.dqn`: each one's agent section and configuration;
- :mod:`lagom.baselines.configs.policy_search`: CEM's, CMA-ES's and OpenAI-ES's.

Example:
    >>> from lagom.baselines.configs.ppo import PPOConfig
    >>> PPOConfig().agent.gamma
    0.99
"""

from __future__ import annotations

__all__: list[str] = []
