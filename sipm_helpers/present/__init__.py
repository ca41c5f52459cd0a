"""Presentation layer: labels (en/zh), number formatting, HTML tables, charts, report sections."""
