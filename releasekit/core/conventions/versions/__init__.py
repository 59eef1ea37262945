"""Version sources behind one interface (:class:`VersionSource`), one small module per kind:
``literal`` (one file), ``files`` (several, all or none), ``scm`` (git tags). Detection is in
``detect``; the policy on main in ``policy``; tag templates in ``tags``. A new kind is one new
module and one line in ``detect``."""

from releasekit.core.conventions.versions.base import DirTree, MemoryTree, Tree, VersionSource
from releasekit.core.conventions.versions.detect import VersionConventions, detect, resolve

__all__ = ["DirTree", "MemoryTree", "Tree", "VersionConventions", "VersionSource", "detect", "resolve"]
