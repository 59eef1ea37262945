"""Why a remote refused a push, from git's own output (``--porcelain`` on stdout, ``remote:`` on stderr)."""

from __future__ import annotations

import pytest

from releasekit.adapters.git import push_refusal

HOOK = ("To /srv/r.git\n!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)\nDone\n"
        "remote: main is locked: ask the release manager        \nremote: \n"  # git pads the remote's lines
        "error: failed to push some refs to '/srv/r.git'")

GITHUB = """To github.com:o/r.git
!\trefs/heads/main:refs/heads/main\t[remote rejected] (protected branch hook declined)
Done
remote: error: GH006: Protected branch update failed for refs/heads/main.\x1b[K
remote: error: Changes must be made through a pull request.\x1b[K
error: failed to push some refs to 'github.com:o/r.git'"""

CASES = {
    "pre-receive-hook": (HOOK, "main is locked: ask the release manager (pre-receive hook declined)"),
    "branch-protection": (GITHUB, "error: GH006: Protected branch update failed for refs/heads/main.; "
                                  "error: Changes must be made through a pull request. (protected branch hook declined)"),
    "rejected-without-words": ("!\trefs/tags/1.0:refs/tags/1.0\t[remote rejected] (hook declined)\n", "(hook declined)"),
    "non-fast-forward-is-no-refusal": ("!\tHEAD:refs/heads/main\t[rejected] (fetch first)\n"
                                       "error: failed to push some refs", None),
    "unreachable-is-no-refusal": ("fatal: '/nowhere.git' does not appear to be a git repository\n"
                                  "fatal: Could not read from remote repository.", None),
    "remote-words-without-a-rejection": ("remote: Resolving deltas: 100% (2/2)\nfatal: the remote end hung up", None),
}


@pytest.mark.parametrize("output,reason", CASES.values(), ids=CASES.keys())
def test_push_refusal(output, reason):
    assert push_refusal(output) == reason
