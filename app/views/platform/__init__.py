"""Screens of the platform itself: users and FAB's security manager (`users`, `security`),
registrations, audit log, notifications, API keys, regions and banks, the role matrix and
the health check."""
