"""The command line's language: picked once per invocation (``--lang``, else the locale),
and the words of ``sipm`` in it: help texts, argparse's own messages, what each command
prints, its errors (labels ``cli_*``, ``error_*`` and the findings' ``validation_*`` in
parameters/labels).

Nothing else branches on the language: the command asks a :class:`CliText` for its words.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from sipm_helpers.config.labels import Labels, languages, load_labels

# The locale variables, in the order POSIX lets them override one another.
LOCALE = ("LC_ALL", "LC_MESSAGES", "LANG")


def chosen_language(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language of this invocation: the first one ``--lang`` names (``--lang en,zh``:
    en), else the locale's (LC_ALL, LC_MESSAGES, LANG: the first set; zh… is Chinese),
    else English."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        else:
            continue
        first = value.split(",")[0].strip()
        if first in languages():
            return first
    for name in LOCALE:
        value = environ.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


@dataclass(frozen=True)
class CliText:
    """The words of the command line in one language."""

    labels: Labels

    @property
    def lang(self) -> str:
        return self.labels.lang

    def t(self, key: str, /, **values: object) -> str:
        return self.labels.t(key, **values)

    def error(self, exc: BaseException) -> str:
        """An error's text in this language: what it says where it says it by a label
        (a dataset's findings listed), else its own text."""
        report = getattr(exc, "report", None)
        if report is not None:
            return report.to_text(labels=self.labels)
        said = getattr(exc, "said", None)
        return said.in_(self.labels) if said is not None else str(exc)

    def argparse_message(self, message: str) -> str:
        """One of argparse's English messages in this language (its own words only: a
        value or option it quotes is kept)."""
        for pattern, key in ARGPARSE:
            found = re.fullmatch(pattern, message, flags=re.DOTALL)
            if found:
                return self.t(key, **found.groupdict())
        return message


def cli_text(argv: Sequence[str], environ: Mapping[str, str]) -> CliText:
    """The words of the invocation ``argv`` in an environment ``environ``."""
    return CliText(load_labels(chosen_language(argv, environ)))


# argparse's messages (Python 3.11 and later) and the labels that word them; the last one
# carries a message of sipm's own (a type check's), worded already.
ARGPARSE = (
    (r"the following arguments are required: (?P<names>.+)", "cli_argparse_required"),
    (r"unrecognized arguments: (?P<names>.+)", "cli_argparse_unrecognized"),
    (
        r"argument (?P<name>[^:]+): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)",
        "cli_argparse_choice",
    ),
    (r"argument (?P<name>[^:]+): invalid (?P<type>\S+) value: (?P<value>.+)", "cli_argparse_value"),
    (r"argument (?P<name>[^:]+): expected one argument", "cli_argparse_one"),
    (r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)", "cli_argparse_ambiguous"),
    (r"argument (?P<name>[^:]+): (?P<message>.+)", "cli_argparse_argument"),
)


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, its "usage: " in the command's language."""

    def __init__(self, prog: str, *, usage: str, **kwargs) -> None:
        super().__init__(prog, **kwargs)
        self._usage = usage

    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        super().add_usage(usage, actions, groups, self._usage if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An argument parser that speaks ``text``'s language: its help option, the titles of
    its sections, its usage line and its error messages."""

    def __init__(self, *args, text: CliText, **kwargs) -> None:
        kwargs.update(
            add_help=False, formatter_class=partial(_Formatter, usage=text.t("cli_usage"))
        )
        super().__init__(*args, **kwargs)
        self.text = text
        self._positionals.title = text.t("cli_positionals")
        self._optionals.title = text.t("cli_options")
        self.add_argument("-h", "--help", action="help", help=text.t("cli_help"))

    def error(self, message: str):
        self.print_usage(sys.stderr)
        worded = self.text.argparse_message(message)
        self.exit(2, self.text.t("cli_usage_error", prog=self.prog, message=worded) + "\n")


def width(text: str) -> int:
    """How many columns ``text`` takes in a terminal (a Chinese character two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``columns`` terminal columns (aligned right or left)."""
    fill = " " * max(columns - width(text), 0)
    return fill + text if right else text + fill
