"""The rite: a release as ordered steps over operations, with its journal, lock and executor.

``release`` = name the release (release.py) -> its steps in order (order.py; each step's run,
truth check and --plan commands in steps/) -> execute with journal and lock (executor.py,
journal.py). A resume re-checks each step's truth instead of trusting the journal; rollback.py
undoes a release from what the journal recorded before it.
"""
