"""Fixtures for real parts (git remotes, package indexes, conda channels, ssh hosts) that
releasekit's tests use and that users of the library can reuse in their own."""
