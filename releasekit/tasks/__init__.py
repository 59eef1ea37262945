"""The root namespace: the seven collections plus the root tasks (release, demo, config).

Use from a project's tasks.py::

    from releasekit.tasks import namespace
    ns = namespace()
    ns.configure({"releasekit": {"main_branch": "master"}})
"""

from __future__ import annotations

import os

from invoke import Collection, Exit

from releasekit.core import config
from releasekit.core.errors import ConfigError


def namespace(check_environment: bool = True) -> Collection:
    """A fresh root collection with releasekit's defaults as its configuration.

    Under ``inv`` a project's tasks.py calls this before invoke reads INVOKE_RELEASEKIT_*;
    a value invoke cannot cast (a word for a number, anything for a list) would end in its
    traceback later, so it is refused here in one line.
    """
    from releasekit.tasks import changelog, ci, dist, git, root, upload, verify, version

    if check_environment and (problems := config.env_problems(os.environ)):
        raise Exit(ConfigError("; ".join(problems), "fix or unset the variable").render(), 1)

    ns = Collection()
    for module in (version, git, changelog, dist, upload, verify, ci):
        ns.add_collection(module.ns)
    for t in root.TASKS:
        ns.add_task(t)
    ns.configure({"releasekit": config.defaults_tree()})
    return ns


ns = namespace(check_environment=False)
