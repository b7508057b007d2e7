"""The fault matrix: the real core against scripted server faults, and the reliability table made from it."""
