"""sipm: budget performance management of social insurance funds (Caishe [2022] No. 65).

Layers, each importing only those before it:
config (parameters/) → data → domain → present → stages → batch → render → cli.
"""

__version__ = "0.1.0"


def open_dataset(path: str | None = None, lang: str = "en"):
    """A dataset to explore in a notebook (None: the demo); see
    :mod:`sipm_helpers.stages.explore`."""
    from sipm_helpers.stages.explore import open_dataset as _open

    return _open(path, lang)
