"""Side-by-side timings of lagom.networks against plain PyTorch (a script, not a test).

Run from the repository root:
``.venv/bin/python -m tests.benchmarks.bench_networks [--threads N] [--repeats R]``.

1. `make_lnlstm` forward + backward on ``[T=64, B=32, H=128]`` against ``torch.nn.LSTM`` of
   the same sizes (target: at most 3x on CPU).
2. `Module.to_vec` / `Module.from_vec` on a network of about 1M parameters against
   ``parameters_to_vector`` / ``vector_to_parameters`` (target: no slower).

Each timing is the median of ``R`` repeats after warm-up; ratios compare timings taken in
the same run, interleaved, so machine noise hits both sides alike.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
from torch import nn
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from lagom.networks import Module, make_fc, make_lnlstm


def _median_pair(
    a: Callable[[], object], b: Callable[[], object], repeats: int
) -> tuple[float, float]:
    for _ in range(3):
        a()
        b()
    times_a, times_b = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        a()
        times_a.append(time.perf_counter() - start)
        start = time.perf_counter()
        b()
        times_b.append(time.perf_counter() - start)
    return statistics.median(times_a), statistics.median(times_b)


def _row(name: str, ours: float, theirs: float, target: str) -> None:
    print(
        f"{name:<34} {ours * 1e3:>10.3f} ms {theirs * 1e3:>10.3f} ms "
        f"{ours / theirs:>7.2f}x   (target {target})"
    )


def bench_lstm(repeats: int, T: int = 64, B: int = 32, H: int = 128) -> None:
    torch.manual_seed(0)
    x = torch.randn(T, B, H)
    ln = make_lnlstm(H, H)
    ref = nn.LSTM(H, H)

    def run_ln() -> None:
        output, _ = ln(x)
        output.sum().backward()

    def run_ref() -> None:
        output, _ = ref(x)
        output.sum().backward()

    ours, theirs = _median_pair(run_ln, run_ref, repeats)
    _row(f"LN-LSTM fwd+bwd [{T},{B},{H}] vs nn.LSTM", ours, theirs, "<= 3x")

    lengths = torch.randint(1, T + 1, (B,))
    lengths[0] = T

    def run_ln_lengths() -> None:
        output, _ = ln(x, lengths=lengths)
        output.sum().backward()

    ours, theirs = _median_pair(run_ln_lengths, run_ref, repeats)
    _row("  same with lengths (masked)", ours, theirs, "info")


class _Net(Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = make_fc(256, [1024, 512, 256, 64])


def bench_vec(repeats: int) -> None:
    torch.manual_seed(0)
    # two networks: vector_to_parameters makes the parameters views of its input, after
    # which copying that same vector into them would be a no-op and flatter from_vec
    net, ref = _Net(), _Net()
    print(f"network: {net.num_params} parameters in {len(list(net.parameters()))} tensors")
    # both sides walk the module tree, as a caller holding only the network would
    ours, theirs = _median_pair(net.to_vec, lambda: parameters_to_vector(ref.parameters()), repeats)
    _row("to_vec vs parameters_to_vector", ours, theirs, "<= 1x")
    vec = torch.randn(net.num_params)
    ours, theirs = _median_pair(
        lambda: net.from_vec(vec), lambda: vector_to_parameters(vec, ref.parameters()), repeats
    )
    _row("from_vec vs vector_to_parameters", ours, theirs, "<= 1x")
    # vector_to_parameters copies nothing (the parameters become views of `vec`); with the
    # copy that from_vec makes, the like-for-like reference clones the vector first
    ours, theirs = _median_pair(
        lambda: net.from_vec(vec),
        lambda: vector_to_parameters(vec.clone(), ref.parameters()),
        repeats,
    )
    _row("from_vec vs clone + vector_to_param.", ours, theirs, "<= 1x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), CPU, medians of "
        f"{args.repeats} repeats"
    )
    print(f"{'':<34} {'lagom':>13} {'torch':>13} {'ratio':>8}")
    bench_lstm(args.repeats)
    bench_vec(args.repeats)


if __name__ == "__main__":
    main()
