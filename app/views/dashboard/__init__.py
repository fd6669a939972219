"""The data dashboard screen and its tables (each cell linked to the records behind it)."""
