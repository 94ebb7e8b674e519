"""The one exception type the user sees as a message instead of a traceback."""


class GanforgeError(Exception):
    """A problem the user can fix: a bad option, a bad file, missing data.

    The CLI prints its message on one line and exits non-zero; the message
    names the option or file and says what was expected.
    """
