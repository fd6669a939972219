"""Screens where data enters: the enterprise portal form, reporting activities, batch
uploads."""
