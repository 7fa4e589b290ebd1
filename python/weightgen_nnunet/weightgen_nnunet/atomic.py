"""Writes that are either complete or absent: a kill at any moment leaves no half-written file."""
import os
import tempfile


def write_atomically(path: str, chunks) -> None:
    """Writes the byte strings `chunks` to `path` through a temporary file in the same folder,
    flushed to disk and then renamed over `path` (rename is atomic on POSIX file systems)."""
    folder = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), 0o666 & ~_umask())
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _umask() -> int:
    """The process's file-creation mask (mkstemp creates files readable by their owner only)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
