"""sipm: budget performance management of social insurance funds (Caishe [2022] No. 65).

Layers, each importing only those before it:
config (parameters/) → data → domain → present → batch → render → cli.
"""

__version__ = "0.1.0"
