"""The data dashboard (SPEC §10): every figure counted by the database in the user's scope
(`figures`), kept for a while per scope (`cache`)."""
