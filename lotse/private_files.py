"""Secret files (keys, the generated SECRET_KEY) are created readable by their owner only.

Created with mode 0600 from the start, never written and chmod-ed afterwards: in between
(or for good, if the chmod never happened) any local user could read them (issue 17).
"""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, mode 0600 whatever the umask; replaces an existing file
    atomically (a reader sees the old content or the new, never a part)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
