"""Domain layer: annual facts, indicator measures, targets, scoring and evaluation."""
