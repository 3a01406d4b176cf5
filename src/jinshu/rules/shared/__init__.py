"""The shared rules of POLICIES.md, one module each, applied after an item's own expressions."""
