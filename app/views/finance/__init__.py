"""Technology finance screens: financing needs, recommendation lists, the bank's entries
and outcomes, loans granted."""
