"""Changelog formats behind one interface (:class:`ChangelogFormat`), chosen in one place (:func:`detect`).

One module per format: ``wip`` (fastai's), ``keepachangelog``, ``towncrier``, ``rst`` and ``none``.
"""

from releasekit.core.conventions.changelogs.base import Change, ChangelogFormat, Parsed, Problem
from releasekit.core.conventions.changelogs.detect import FORMATS, AmbiguousChangelog, detect

__all__ = ["FORMATS", "AmbiguousChangelog", "Change", "ChangelogFormat", "Parsed", "Problem", "detect"]
