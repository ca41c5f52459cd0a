"""``python -m sipm_helpers.data.generate``: rewrite the shipped demo CSV files."""

from __future__ import annotations

from sipm_helpers.data.generate.build import write_demo

if __name__ == "__main__":
    print(f"demo dataset written to {write_demo()}")
