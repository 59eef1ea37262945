"""ci tasks."""

from __future__ import annotations

from invoke import Collection

ns = Collection("ci")
