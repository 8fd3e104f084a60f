"""How the CLI tells a person that a command failed: one plain message (what, where, how to fix), no traceback.

    code = report_failure(error, debug=False)   # prints to stderr, returns the exit code

A WinnowError prints its own message (exit 1, or 2 for bad usage or configuration). An OSError (disk full,
permission denied, a missing file) is the person's machine talking, not a bug: its message, the file it names
and a hint for the common errnos (exit 1). Anything else is a bug in winnow: one line with the exception's type
and message and "run with --debug for the traceback" (exit 1). With `--debug` the traceback comes first.
Every piece of text is printed as plain text, never as Rich markup: paths and messages hold `[` freely.
"""

from __future__ import annotations

import errno
import traceback

from rich.console import Console
from rich.text import Text

from winnow.curation.errors import WinnowError, os_error_in_text

BUG_MESSAGE_CHARS = 500

OS_HINTS: dict[int, str] = {
    errno.ENOSPC: "free some disk space, or write the output to a folder on another disk",
    errno.EDQUOT: "free some space within your disk quota, or write the output elsewhere",
    errno.EACCES: "check the permissions of that file or folder, or choose another one",
    errno.EPERM: "check the permissions of that file or folder, or choose another one",
    errno.EROFS: "that file system is read-only: write the output to another folder",
    errno.ENOENT: "check the path: the file or folder does not exist",
    errno.ENOTDIR: "check the path: a part of it is a file, not a folder",
    errno.EISDIR: "check the path: it names a folder where a file is expected",
    errno.EEXIST: "remove it or choose another output path",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) or read fewer files at once",
    errno.ENAMETOOLONG: "use a shorter path",
    errno.EIO: "the disk reported a read or write error: check the drive",
}


def os_error_message(error: OSError) -> WinnowError:
    """An OSError as a WinnowError: its reason, the file(s) it names, and a hint for the usual errnos."""
    reason = error.strerror or str(error) or type(error).__name__
    if error.errno is not None:
        reason = f"{reason} (errno {error.errno}, {errno.errorcode.get(error.errno, '?')})"
    where = None
    if error.filename is not None:
        where = str(error.filename)
        if error.filename2 is not None:
            where = f"{where} → {error.filename2}"
    hint = OS_HINTS.get(error.errno) if error.errno is not None else None
    return WinnowError(reason, where=where, hint=hint)


def os_error_of(error: BaseException) -> OSError | None:
    """The OSError that `error` is or reports (Polars puts "(os error N)" in its message), else None."""
    if isinstance(error, OSError):
        return error
    return os_error_in_text(error)


def bug_message(error: BaseException) -> str:
    """One line: the exception type and message, and where to get more."""
    text = " ".join(str(error).split())
    if len(text) > BUG_MESSAGE_CHARS:
        text = text[:BUG_MESSAGE_CHARS] + "…"
    kind = type(error).__qualname__
    module = type(error).__module__
    if module not in ("builtins", "__main__"):
        kind = f"{module}.{kind}"
    return (
        f"unexpected {kind}: {text or '(no message)'} — this is a bug in winnow; "
        "run with --debug for the traceback, and please report it"
    )


def report_failure(error: BaseException, *, debug: bool, console: Console | None = None) -> int:
    """Print `error` for a person (the traceback first when `debug`); return the exit code."""
    console = console or Console(stderr=True, soft_wrap=True, highlight=False)
    if debug:
        console.print(Text("".join(traceback.format_exception(error)).rstrip(), style="dim"))
    if isinstance(error, WinnowError):
        message, code = error.render(), error.exit_code
    elif (os_error := os_error_of(error)) is not None:
        message, code = os_error_message(os_error).render(), 1
    else:
        message, code = bug_message(error), 1
    console.print(Text.assemble(("error:", "bold red"), " ", message))
    return code
