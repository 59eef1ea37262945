"""releasekit: a project's whole release rite as invoke tasks.

Layers (a module never imports from a layer above it):
core (versioning, changelog, config, errors) <- adapters <- tasks <- plan.
"""

from releasekit.version import __version__

__all__ = ["__version__"]
