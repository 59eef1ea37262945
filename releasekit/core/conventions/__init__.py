"""A project's own conventions (changelog formats, ...): one Protocol per convention, one small
module per kind, and detection in one place, so steps ask the interface and never test the kind."""
