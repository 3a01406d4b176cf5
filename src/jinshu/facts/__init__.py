"""The fact model (the case format), its validation and the synthetic registry."""
