"""The frame every screen is built in: list base classes with scoping and Excel export
(`base`), list filters, kept list tables and page fragments, the home page."""
