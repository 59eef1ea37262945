"""The pure core: versions, changelogs, version files, configuration, recipes, host scripts,
workflow text, redaction, errors and rendering. Functions over values and files only: nothing
here runs a program or opens a connection, so every rule is testable without the outside world
(import-linter's contracts in pyproject.toml keep it so)."""
