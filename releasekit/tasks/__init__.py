"""The root namespace: the eight collections plus the root tasks (release, demo, config).

Task modules are shims: a task reads its options, loads the project (``context``), calls one
plain function of ``releasekit.operations`` or ``releasekit.rite`` and renders the result.
They import those layers inside the task bodies, on purpose: `releasekit --list` then imports
only the task definitions (bench/startup keeps it under 1.5x invoke's own start-up).

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
from releasekit.tasks import base, changelog, ci, dist, forge, git, root, upload, verify, version


def namespace(check_environment: bool = True) -> Collection:
    """A fresh root collection with releasekit's defaults as its configuration.

    Under ``inv`` a project's tasks.py calls this before invoke reads INVOKE_RELEASEKIT_*;
    a value invoke cannot cast (a word for a number, anything for a list) would end in its
    traceback later, so it is refused here in one line.
    """
    if check_environment and (problems := config.env_problems(os.environ)):
        raise Exit(ConfigError("; ".join(problems), "fix or unset the variable").render(), 1)

    ns = Collection()
    for module in (version, git, changelog, dist, upload, verify, ci, forge):
        ns.add_collection(module.ns)
    for t in root.TASKS:
        ns.add_task(t)
    ns.configure({"releasekit": config.defaults_tree()})
    return ns


base.register_namespace(namespace)  # ci.check reads the CLI's flags through base, with no import cycle
ns = namespace(check_environment=False)
