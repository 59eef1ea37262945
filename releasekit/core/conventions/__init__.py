"""A project's conventions, one interface per convention and one small module per kind: how it
keeps its version (``versions``), and more to come. Detection for each lives in one place."""
