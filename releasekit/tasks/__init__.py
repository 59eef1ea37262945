"""The root namespace: the seven collections plus the root tasks (release, demo, config).

Use from a project's tasks.py::

    from releasekit.tasks import namespace
    ns = namespace()
    ns.configure({"releasekit": {"main_branch": "master"}})
"""

from __future__ import annotations

from invoke import Collection

from releasekit import config


def namespace() -> Collection:
    """A fresh root collection with releasekit's defaults as its configuration."""
    from releasekit.tasks import changelog, ci, dist, git, root, upload, verify, version

    ns = Collection()
    for module in (version, git, changelog, dist, upload, verify, ci):
        ns.add_collection(module.ns)
    for t in root.TASKS:
        ns.add_task(t)
    ns.configure({"releasekit": config.defaults_tree()})
    return ns


ns = namespace()
