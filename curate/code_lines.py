"""What program code looks like in plain text: lines that are code, as two Rust-regex alternations.

Answers in instruction data are often code without fences (Code Alpaca: Java, Python, shell, SQL, HTML, CSS).
Checks that judge prose (the language stage's measured text, template slots) leave such lines out, the way
they leave out fenced blocks (`without_code_lines`).
"""

from __future__ import annotations

from typing import Final

import polars as pl

# Lines that look like program code: a brace, a Python block header, a definition, an import, an assignment
# (also to several targets, `a[i], a[j] = a[j], a[i]`), a bare call (`res.append(x)`, `swap(a, b);`), a line
# ending in `;` with a call `f(`, an `=`, a `[` or a type or modifier keyword (C, Java, JavaScript; prose
# that ends in `;` has none of them, UDHR's "(General Assembly) … ;" stays), a `for (`/`if (` header, a
# shell command with an option flag (`du -h --max-depth=1`) or an `echo`, a shell block keyword alone on its
# line (`do`, `fi`, `done`), a `//` or `/* */` comment, a CSS declaration, a C include or C# `using`, a
# shebang, an SQL statement or one of its clauses (upper-case SELECT, FROM, WHERE, JOIN, …) or an HTML tag at
# the start. Each needs code punctuation after the keyword, so an English line that opens with "Let",
# "Class" or "Public" stays. Code says nothing of the row's language: unfenced code answers (Code Alpaca)
# otherwise leave lines like `arr[i], arr[j] = arr[j], arr[i]` that the detector calls Albanian.
# The second group changes no lingua_langid or UDHR text (every one measures as before).
# Two alternations, one regex pass each: joined into one, Rust's lazy DFA runs out of cache on them and the
# pass is ~19x slower. Word boundaries are ASCII (`(?-u:\b)`): a Unicode `\b` leaves the DFA on non-ASCII
# text, and every keyword here is ASCII.
CODE_LINES: Final = (
    r"""(?mx)^[^\n]*[{}][^\n]*$
  | ^[\ \t]*(?:if|for|while|elif|else|try|except|with|def|class)(?-u:\b)[^\n]*:[\ \t]*$
  | ^[\ \t]*(?:def|function|func|fn)[\ \t]+\w+[\ \t]*\([^\n]*$
  | ^[\ \t]*(?:import[\ \t]+(?:static[\ \t]+)?[\w.*]+;?|from[\ \t]+[\w.]+[\ \t]+import[\ \t][^\n]*)[\ \t]*$
  | ^[\ \t]*(?:(?:var|let|const|int|float|double|auto|String)[\ \t]+)?[A-Za-z_][\w.\[\]]*[\ \t]*[-+*/]?=[^=\n][^\n]*$
  | ^[\ \t]+(?:return|yield|raise|break|continue|pass)(?-u:\b)[^\n]*$
  | ^[\ \t]*(?:print|console\.log|System\.out\.println|printf)[\ \t]*\([^\n]*$
  | ^[\ \t]*(?:\#include|<\?php|<!DOCTYPE|</?[a-zA-Z][a-zA-Z0-9]*[\ >/])[^\n]*$
  | ^[\ \t]*(?:SELECT|INSERT|UPDATE|DELETE|CREATE)[\ \t][^\n]*(?-u:\b)(?:FROM|INTO|SET|WHERE|TABLE)(?-u:\b)[^\n]*$
""",
    r"""(?mx)^[\ \t]*(?:FROM|WHERE|GROUP\ BY|ORDER\ BY|HAVING|LIMIT|VALUES|(?:INNER\ |LEFT\ |RIGHT\ |OUTER\ )?JOIN|UNION|AND|OR)(?-u:\b)[^\n]*$
  | ^[\ \t]*[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\([^\n]*\)[\ \t]*;?[\ \t]*$
  | ^[\ \t]*[A-Za-z_][\w.]*(?:\[[^\]\n]*\])*(?:[\ \t]*,[\ \t]*[A-Za-z_][\w.]*(?:\[[^\]\n]*\])*)+[\ \t]*=[^=\n]*,[^\n]*$
  | ^[^\n]*(?:[\w\]]\(|[=\[])[^\n]*;[\ \t]*$
  | ^[\ \t]*(?:public|private|protected|static|final|int|long|short|char|bool|boolean|byte|void|float|double|String|var|let|const|auto)(?-u:\b)[^\n]*;[\ \t]*$
  | ^[\ \t]*(?:for|foreach|while|if|switch|catch)[\ \t]*\([^\n]*$
  | ^[\ \t]*[a-z][\w.-]*[\ \t](?:[^\n]*[\ \t])?--?[A-Za-z][^\n]*$
  | ^[\ \t]*[a-z][a-z-]*[\ \t]*:[\ \t]*[^\n;]+;[\ \t]*$
  | ^\#![^\n]*$
  | ^[\ \t]*(?:do|done|then|else|fi|esac|end)[\ \t;]*$
  | ^[\ \t]*echo[\ \t][^\n]*$
  | ^[\ \t]*using[\ \t]+[\w.]+;[\ \t]*$
  | ^[\ \t]*SELECT(?-u:\b)[^\n]*$
  | ^[\ \t]*(?://|/\*|\*/)[^\n]*$
""",
)


def without_code_lines(text: pl.Expr) -> pl.Expr:
    """The text with every code-looking line blanked (its newline kept)."""
    return text.str.replace_all(CODE_LINES[0], " ").str.replace_all(CODE_LINES[1], " ")
