"""An emulator's state on disk, so `creatorflow dev` stopped with Ctrl-C resumes where it was.

One file per emulator: a header line with the format version, then a pickle of the emulator's state object
(plain data: pydantic models, dataclasses, dicts; whatever holds a thread, task or client is left out by
the state's own `__getstate__` and rebuilt by the emulator on restore). While the emulator serves, the
state is pickled on its event loop, the only place it changes, so each save is a consistent snapshot;
it is written every `SAVE_EVERY_SECONDS` when it changed, and once more on shutdown, each time to a
temporary file then `os.replace`d, so a crash leaves the previous save whole.

Bump `FORMAT_VERSION` when a saved state would no longer load as this code's objects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)

FORMAT_VERSION = 3
SAVE_EVERY_SECONDS = 2.0
_HEADER = f"creatorflow-emulator-state {FORMAT_VERSION}\n".encode()

T = TypeVar("T")


class SavedStateError(Exception):
    """A saved state this version cannot restore; the message tells the user what to do."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"Cannot restore the emulator state saved in {path}: {reason}. It was saved by an incompatible "
            f"version of CreatorFlow, or is damaged. Delete the directory {path.parent} to start afresh."
        )


def load(path: Path | None, kind: type[T]) -> T | None:
    """The `kind` saved at `path`; None when nothing was saved there (or no path is given)."""
    if path is None or not path.exists():
        return None
    data = path.read_bytes()
    header, _, pickled = data.partition(b"\n")
    if header + b"\n" != _HEADER:
        found, expected = header[:60].decode(errors="replace"), _HEADER.decode().strip()
        raise SavedStateError(path, f"it starts with {found!r}, where this version expects {expected!r}")
    try:
        state = pickle.loads(pickled)
    except Exception as error:  # unpickling raises whatever the changed classes make of the old data
        raise SavedStateError(path, f"{type(error).__name__}: {error}") from error
    if not isinstance(state, kind):
        raise SavedStateError(path, f"it holds a {type(state).__name__}, not a {kind.__name__}")
    return state


def dump(state: object) -> bytes:
    """The file's content for `state`."""
    return _HEADER + pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` all at once: readers (and a crash) see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as temporary:
        temporary.write(data)
        temporary.flush()
        os.fsync(temporary.fileno())
    os.replace(temporary.name, path)


@contextlib.asynccontextmanager
async def kept(
    path: Path | None, snapshot: Callable[[], object], every_seconds: float = SAVE_EVERY_SECONDS
) -> AsyncIterator[None]:
    """While inside, save `snapshot()` to `path` every `every_seconds` if it changed, and once on the way
    out. Run it on the loop that changes the state. Without a path it does nothing."""
    if path is None:
        yield
        return
    saved = b""

    def save() -> None:
        nonlocal saved
        data = dump(snapshot())
        if data != saved:
            write_atomically(path, data)
            saved = data

    async def keep_saving() -> None:
        while True:
            await asyncio.sleep(every_seconds)
            try:
                save()
            except OSError as failed:  # a full disk, say: keep serving, and try again next time
                log.warning("could not save the sandbox state to %s: %s", path, failed)

    task = asyncio.create_task(keep_saving())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task  # re-raises here if a save failed
        save()
