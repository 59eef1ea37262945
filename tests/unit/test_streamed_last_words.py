"""What an interrupted command says as it dies stays out of the streamed output, even when it
arrives before releasekit has run its own Ctrl-C handler (the kernel may run the thread that
reads the command's output first: a race seen under load). It stays in the log."""

from __future__ import annotations

import io

import pytest

from releasekit.adapters import shell
from releasekit.adapters.shell import MaskedStream

PYTHON_DIES = ["Traceback (most recent call last):\n", '  File "/tmp/slow_tests.py", line 6, in <module>\n',
               "    time.sleep(120)\n", "KeyboardInterrupt\n"]
PYTEST_DIES = ["!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!! KeyboardInterrupt !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
               "/tmp/p/tests/test_slow.py:4: KeyboardInterrupt\n",
               "(to show a full traceback on KeyboardInterrupt use --full-trace)\n",
               "============================ no tests ran in 0.52s =============================\n"]


@pytest.fixture
def interrupt():
    """Marks the interrupt as seen, as releasekit's handler does once it has run."""
    shell._INTERRUPTED.clear()
    yield shell._INTERRUPTED.set
    shell._INTERRUPTED.clear()


@pytest.mark.parametrize("last_words", [PYTHON_DIES, PYTEST_DIES], ids=["python-traceback", "pytest-banner"])
def test_last_words_that_arrive_before_the_handler_ran_are_not_shown(interrupt, last_words):
    terminal = io.StringIO()
    stream = MaskedStream(terminal)
    stream.write("tests running\n")
    for chunk in last_words:  # the command got the Ctrl-C first
        stream.write(chunk)
    interrupt()  # then releasekit's handler runs; the command ends
    stream.close()
    assert terminal.getvalue() == "tests running\n"


def test_a_traceback_of_another_error_is_shown_once_it_is_whole(interrupt):
    terminal = io.StringIO()
    stream = MaskedStream(terminal)
    stream.write("".join(PYTHON_DIES[:3]))
    assert terminal.getvalue() == ""  # it might end in KeyboardInterrupt
    stream.write("ValueError: bad input\nnext test\n")
    assert terminal.getvalue() == "".join(PYTHON_DIES[:3]) + "ValueError: bad input\nnext test\n"
    stream.close()


def test_a_command_that_dies_of_its_own_keyboardinterrupt_shows_it(interrupt):
    terminal = io.StringIO()
    stream = MaskedStream(terminal)
    stream.write("".join(PYTHON_DIES) + "after")
    assert terminal.getvalue() == ""
    stream.close()  # releasekit was not interrupted: the command's words are its own
    assert terminal.getvalue() == "".join(PYTHON_DIES) + "after"


def test_a_line_that_only_names_keyboardinterrupt_streams_at_once(interrupt):
    terminal = io.StringIO()
    stream = MaskedStream(terminal)
    stream.write("tests/test_cli.py::test_ctrl_c_raises_KeyboardInterrupt PASSED\n")
    assert terminal.getvalue() == "tests/test_cli.py::test_ctrl_c_raises_KeyboardInterrupt PASSED\n"
