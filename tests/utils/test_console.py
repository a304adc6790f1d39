"""Tests for ``lagom.utils.console``: color_str, timed, timeit and ask_yes_or_no."""

from __future__ import annotations

import pytest

import lagom.utils.console as console_module
from lagom.utils import ask_yes_or_no, color_str, timed, timeit

# ECMA-48 foreground colors 30-37 in their standard order; bold is SGR 1, reset SGR 0.
_ANSI_ORDER = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]


def test_color_str_documented_example() -> None:
    # The original lagom built it as colorama's Fore.GREEN + Style.BRIGHT + s + Style.RESET_ALL.
    assert color_str("lagom", "green", bold=True) == "\x1b[32m\x1b[1mlagom\x1b[0m"


@pytest.mark.parametrize(("code", "color"), list(enumerate(_ANSI_ORDER)))
def test_color_str_codes(code: int, color: str) -> None:
    assert color_str("x", color) == f"\x1b[{30 + code}mx\x1b[0m"
    assert color_str("x", color, bold=True) == f"\x1b[{30 + code}m\x1b[1mx\x1b[0m"


def test_color_str_rejects_unknown_colors() -> None:
    with pytest.raises(ValueError, match=r"color must be one of .*got 'purple'"):
        color_str("x", "purple")
    with pytest.raises(ValueError, match="color must be one of"):
        timed(color="purple").__enter__()
    with pytest.raises(ValueError, match="color must be one of"):
        timeit(color="purple")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """A fake perf_counter reading the given times in turn: 1:02:03 apart."""
    times = [100.0, 100.0 + 3723.4]
    monkeypatch.setattr(console_module, "perf_counter", lambda: times.pop(0))
    return times


def test_timed_prints_total_time(clock: list[float], capsys: pytest.CaptureFixture[str]) -> None:
    with timed(color="red", bold=True):
        pass
    out = capsys.readouterr().out
    assert out.startswith("\x1b[31m\x1b[1m\nTotal time: 1:02:03 at ")
    assert out.endswith("\x1b[0m\n")
    assert clock == []


def test_timed_prints_even_when_the_body_raises(
    clock: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(KeyError), timed():
        raise KeyError("boom")
    assert "\x1b[32m\nTotal time: 1:02:03 at " in capsys.readouterr().out


def test_timed_as_a_decorator(clock: list[float], capsys: pytest.CaptureFixture[str]) -> None:
    @timed(color="yellow")
    def three() -> int:
        return 3

    assert three() == 3
    assert capsys.readouterr().out.startswith("\x1b[33m\nTotal time: 1:02:03 at ")


def test_timeit_bare(clock: list[float], capsys: pytest.CaptureFixture[str]) -> None:
    @timeit
    def add(a: int, b: int = 1) -> int:
        """Add."""
        return a + b

    assert add(2, b=3) == 5
    assert add.__name__ == "add"
    assert add.__doc__ == "Add."
    assert "\x1b[32m\nTotal time: 1:02:03 at " in capsys.readouterr().out


def test_timeit_with_options(clock: list[float], capsys: pytest.CaptureFixture[str]) -> None:
    @timeit(color="cyan", bold=True)
    def one() -> int:
        return 1

    assert one() == 1
    assert capsys.readouterr().out.startswith("\x1b[36m\x1b[1m\nTotal time: 1:02:03 at ")


def _answers(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    prompts: list[str] = []
    queue = list(answers)

    def fake_input(prompt: str = "") -> str:
        prompts.append(prompt)
        if not queue:
            raise EOFError
        return queue.pop(0)

    monkeypatch.setattr("builtins.input", fake_input)
    return prompts


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("yes", True), ("y", True), (" Yes ", True), ("YEAH", True), ("no", False), ("N", False)],
)
def test_ask_yes_or_no(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], answer: str, expected: bool
) -> None:
    prompts = _answers(monkeypatch, answer)
    assert ask_yes_or_no("Continue?") is expected
    assert prompts == [">>> "]
    assert capsys.readouterr().out == "Continue?\n"


def test_ask_yes_or_no_asks_again(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = _answers(monkeypatch, "maybe", "", "  ", "no")
    assert ask_yes_or_no("Delete?") is False
    assert len(prompts) == 4
    assert capsys.readouterr().out == "Delete?\n" + "Please answer 'yes' or 'no':\n" * 3


def test_ask_yes_or_no_without_input_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    _answers(monkeypatch, "what")
    with pytest.raises(ValueError, match="no yes/no answer to 'Delete\\?': standard input ended"):
        ask_yes_or_no("Delete?")


def test_styles_and_strings_are_checked() -> None:
    with pytest.raises(TypeError, match="string must be a str, got NoneType"):
        color_str(None, "red")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bold must be a bool, got str 'yes'"):
        color_str("a", "red", bold="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bold must be a bool, got int 1"), timed(bold=1):  # type: ignore[arg-type]
        pass
    with pytest.raises(TypeError, match="bold must be a bool"):
        timeit(bold=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="color must be one of"):
        color_str("a", ["red"])  # type: ignore[arg-type]
