"""Errors the CLI reports to the user as one line, without a traceback."""


class UnsitError(Exception):
    """A failure the user can act on: bad input, a missing device, a refused setting.

    ``exit_code`` is what the CLI exits with: 2 for bad input or usage, 1 otherwise.
    """

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class InputError(UnsitError):
    """The user's input (a file, an argument) is malformed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=2)
