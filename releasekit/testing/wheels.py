"""Edit built wheels in tests, keeping them valid: one entry per name and a RECORD that matches.

Appending to a wheel leaves two entries with the same name, and which one an
installer extracts last is not defined (uv unpacks in parallel), so a test that
swaps a file that way can pass or fail by chance.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path


def rewrite_wheel(
    wheel: Path,
    target: Path,
    *,
    replace: Mapping[str, bytes] | None = None,
    rename: Callable[[str], str] = lambda name: name,
    edit: Callable[[str, bytes], bytes] = lambda name, data: data,
) -> Path:
    """Copy ``wheel`` to ``target`` with members renamed, edited or replaced, and RECORD rewritten."""
    replace = dict(replace or {})
    records: list[str] = []
    record = ""
    tmp = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            name = rename(item.filename)
            if name.endswith(".dist-info/RECORD"):
                record = name
                continue
            data = replace.pop(item.filename, None)
            data = edit(name, src.read(item) if data is None else data)
            dst.writestr(name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            records.append(f"{name},sha256={digest},{len(data)}")
        if replace:
            raise KeyError(f"not in {wheel.name}: {', '.join(sorted(replace))}")
        dst.writestr(record, "\n".join([*records, f"{record},,"]) + "\n")
    tmp.replace(target)
    return target
