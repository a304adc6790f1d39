"""The probe's allow-list: bad-looking values that are documented, valid inputs.

Each entry names one probe call, ``callable(argument=label)`` (the labels are the keys of
``probe.VALUES``), and says why its silent result (or, for ``obj[i]``, its ``IndexError``)
is right. The test fails on an entry that no call produced, so the list cannot go stale.
"""

from __future__ import annotations

_SEQUENCE = "an out-of-range index raises IndexError, as the sequence protocol requires"
_NO_CLIP = "inf means no clipping (documented)"
_EMPTY = "an empty input is a valid, empty input: the result is empty too (documented)"

ALLOWED: dict[str, str] = {
    # ---------------------------------------------------------------- lagom.data
    "StepType(value=bool)": "an IntEnum looks values up by equality, and True == 1 (MID)",
    "Trajectory[big]": _SEQUENCE,
    # ---------------------------------------------------------------- lagom.metric
    **{
        f"{fn}({clip}=inf)": _NO_CLIP
        for fn in ("vtrace", "batched_vtrace")
        for clip in ("clip_rho", "clip_pg_rho", "clip_c")
    },
    "returns(rewards=empty)": "an empty episode (T=0) has an empty return array",
    "bootstrapped_returns(rewards=empty)": "an empty episode (T=0) has an empty return array",
    # ---------------------------------------------------------------- lagom.transform
    "geometric_cumsum(x=empty)": _EMPTY,
    "rank_transform(x=empty)": _EMPTY,
    "rank_transform(x=infarr)": "ranks only compare values; inf ranks last (documented)",
    "Moments(n=zero)": "n=0 is the empty state: update_moments then gives np.mean/np.var",
    "Moments.initial(n=zero)": "n=0 is the empty state: update_moments then gives np.mean/np.var",
    "SumTree.__getitem__(index=big)": _SEQUENCE,
    "SumTree.__setitem__(index=big)": _SEQUENCE,
    # ---------------------------------------------------------------- lagom.logger
    "Logger.dump(index=big)": "documented: IndexError for an index out of a key's values",
    "Logger.dump(keys=[str])": "documented: KeyError for a key never logged",
    "Logger.dump(keys=[neg])": "documented: KeyError for a key never logged",
    # ---------------------------------------------------------------- lagom.es
    "CEM(opts)(seed=None)": "documented: seed None draws one from the operating system",
    "OpenAIES(opts)(seed=None)": "documented: seed None draws one from the operating system",
    "CMAES(opts)(seed=nan)": "pycma's documented clock seeds: None, 0, NaN or 'time'",
    "CMAES(opts)(popsize=None)": "pycma's option default: None means 4 + floor(3 ln N)",
    "ESResult(fbest=inf)": "documented: fbest is inf before the first tell",
    # ---------------------------------------------------------------- lagom.envs
    **{
        f"{wrapper}(clip=inf)": _NO_CLIP
        for wrapper in (
            "NormalizeReward",
            "VecNormalizeReward",
            "NormalizeObservation",
            "VecNormalizeObservation",
            "VecNormalizeDictObservation",
        )
    },
    "NormalizeReward(constant_var=zero)": "documented: constant_var is a variance >= 0",
    "VecNormalizeReward(constant_var=zero)": "documented: constant_var is a variance >= 0",
    "NormalizeObservation(constant_moments[0]=neg)": "a mean may be negative",
    "VecEnv.call(name=str)": "an unknown attribute raises AttributeError, as getattr does",
    "VecEnv.get_attr(name=str)": "an unknown attribute raises AttributeError, as getattr does",
    "env_state(env=obj)": "documented: the state of any object is its attributes' (none here)",
    # ---------------------------------------------------------------- lagom.agent, runner
    # ---------------------------------------------------------------- lagom.experiment, vis
    "run_experiment(seeds=[zero])": "0 is a seed ([0, 2**32 - 1])",
    "ConfigCurves(seeds=[zero])": "0 is a seed ([0, 2**32 - 1])",
    "interquartile_mean(ys=infarr)": "documented: an infinity sorts as any value (and is "
    "trimmed away among the largest quarter)",
    # ---------------------------------------------------------------- lagom.networks
    "make_fc(hidden_sizes=empty)": "documented: one layer per size, so no size is no layer",
    "QEnsemble(hidden_sizes=empty)": "no hidden layer: each member is one linear layer",
    "QEnsemble.forward(members=None)": "documented: None evaluates all n members",
    # ---------------------------------------------------------------- lagom.baselines
    "ppo.AgentConfig(log_std_init=neg)": "a log standard deviation is any real number",
    "ppo.update(clip_range=zero)": "a linear clip_range_schedule reaches 0 at the last update",
    "ppo.PPOAgentConfig(log_std_init=neg)": "a log standard deviation is any real number",
    "sac.SACAgentConfig(target_entropy=neg)": "SAC's target entropy is usually negative (-A)",
    **{
        f"env_checkpoint(env={label})": "documented: a state that is not plain data is "
        "recorded as {'state': None, 'why': ...}, which restore_env_checkpoint reports"
        for label in ("None", "str", "neg")
    },
    "evaluate_policy(seed=big)": "runs evaluate on seeds seed + 10000 + i: gymnasium takes "
    "any non-negative int",
}
