"""A project's own conventions: how it keeps its changelog (``changelogs``) and its version
(``versions``). One Protocol per convention, one small module per kind, and detection in one
place, so steps ask the interface and never test the kind."""
