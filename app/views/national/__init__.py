"""Screens of the national loop (SPEC §12.5)."""
