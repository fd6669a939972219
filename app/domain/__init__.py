"""The platform's rules as plain Python, without Flask or a database: regions, account
policy, the expression language, statuses (`workflow`), numbers for reading (`display`), one
enterprise record (`records`), evaluation projects and scoring (`scoring`). Imports nothing of
the app above it (`lint-imports`)."""
