"""Batch layer: plans of notebook runs, parallel papermill execution, the manifest."""
