"""A planted pickle for the "nothing read back from a folder runs code" tests.

Unpickling a :class:`Payload` creates its marker file; a test plants one in a file lagom
reads back and asserts that the marker does not exist afterwards.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from pathlib import Path


class Payload:
    """Unpickling this creates ``marker``: the proof that something ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (Path.touch, (self.marker,))


def marker_for(tmp_path: Path) -> Path:
    """A marker path outside ``tmp_path`` (so deleting the folder cannot hide it)."""
    return tmp_path.parent / f"{tmp_path.name}-payload-ran"


def pickled(obj: object) -> bytes:
    """``obj`` pickled by the standard library."""
    return pickle.dumps(obj)


def torch_saved(obj: object) -> bytes:
    """``obj`` written by ``torch.save`` (a zip archive with a pickle inside)."""
    import torch  # here, so that the torch-free suite can import this module

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def signed_checkpoint(payload: bytes) -> bytes:
    """``payload`` framed as a well-formed checkpoint: lagom's magic line and a matching
    SHA-256, so only the loader's refusal to unpickle can stop it."""
    return b"lagom-checkpoint-1\n" + hashlib.sha256(payload).digest() + payload
