from collections.abc import Mapping
from typing import Any

class CMAOptions(dict[str, Any]):
    """Options of `CMAEvolutionStrategy`: a dict from option name to value."""

    def __init__(self, s: str | Mapping[str, Any] | None = None, **kwargs: Any) -> None: ...
    @staticmethod
    def defaults() -> CMAOptions: ...
