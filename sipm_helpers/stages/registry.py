"""The registry of stages: those built in (one module each in this package, in dependency
order), those named by an entry point of the group ``sipm.stages`` (as papermill registers
engines) and those given to ``registered`` for one block of code. The planner, the runner,
the publisher and the command read ``stages()``; none of them names a stage.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from importlib.metadata import entry_points
from pathlib import Path
from types import MappingProxyType

from sipm_helpers.stages import (
    assessment_letter,
    central_assessment,
    feedback_letter,
    monitoring,
    provincial_evaluation,
    provincial_report,
    self_evaluation,
    target_review,
)
from sipm_helpers.stages.stage import Stage


def _register(*stages: Stage) -> Mapping[str, Stage]:
    return MappingProxyType({s.name: s for s in stages})


BUILT_IN: tuple[Stage, ...] = (
    target_review.STAGE,
    monitoring.STAGE,
    self_evaluation.STAGE,
    provincial_evaluation.STAGE,
    provincial_report.STAGE,
    feedback_letter.STAGE,
    central_assessment.STAGE,
    assessment_letter.STAGE,
)
STAGES: Mapping[str, Stage] = _register(*BUILT_IN)  # the built-in stages alone


GROUP = "sipm.stages"
_REGISTERED: ContextVar[tuple[Stage, ...]] = ContextVar("sipm_registered_stages", default=())


@functools.cache
def discovered() -> tuple[Stage, ...]:
    """The stages named by entry points of the group ``sipm.stages``, loaded once; an entry
    point names a ``Stage`` or a tuple of them. The package's own entry point (it names
    ``BUILT_IN``, listed first already) is not loaded: an editable install's metadata may
    name where the built-in stages were before a release moved them."""
    found: list[Stage] = []
    for point in entry_points(group=GROUP):
        if point.module.partition(".")[0] == __name__.partition(".")[0]:
            continue
        loaded = point.load()
        found.extend(loaded if isinstance(loaded, tuple | list) else (loaded,))
    return tuple(found)


@contextmanager
def registered(*extra: Stage) -> Iterator[Mapping[str, Stage]]:
    """Within the block, ``stages()`` has ``extra`` as well (a stage from outside the
    package, a test's toy stage); yields the registry."""
    token = _REGISTERED.set((*_REGISTERED.get(), *extra))
    try:
        yield stages()
    finally:
        _REGISTERED.reset(token)


def stages() -> Mapping[str, Stage]:
    """Every stage, read-only, in order: those built in, those of entry points, those
    registered for the current block; a later stage of the same name replaces an earlier."""
    return _register(*STAGES.values(), *discovered(), *_REGISTERED.get())


def stage(name: str) -> Stage:
    """The stage called ``name``; KeyError listing the stages otherwise."""
    known = stages()
    try:
        return known[name]
    except KeyError:
        raise KeyError(f"unknown stage {name!r}; stages: {', '.join(known)}") from None


def notebook_stage(notebook: str | Path) -> Stage:
    """The stage whose notebook is ``notebook`` (a path or a file name)."""
    name = Path(notebook).name
    for s in stages().values():
        if s.notebook == name:
            return s
    known = ", ".join(s.notebook for s in stages().values())
    raise KeyError(f"{name!r} is not a stage notebook; the notebooks are {known}")
