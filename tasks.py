"""releasekit releasing itself: `inv release`, `inv release --plan`, `inv version.show`, ..."""

from releasekit.tasks import namespace

ns = namespace()
ns.configure({
    "releasekit": {
        "package": "releasekit",
        "version_file": "releasekit/version.py",
        "changelog": "CHANGES.md",
        "main_branch": "main",
        "test_command": "bash scripts/test",
        "smoke_command": "import releasekit.tasks; releasekit.tasks.namespace()",
        "dist": {"check_ignore": [".ci/*", "bench/*", "scripts/*", "tests/*", "tasks.py", "conda/*"]},
        "conda": {"recipe": "conda/", "channels": ["conda-forge"], "user": "releasekit"},
    }
})
