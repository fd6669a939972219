"""What every capability stands on: accounts and registration (`accounts`, API clients in
`api_clients`), the audit log (`audit`), notifications, background jobs (`jobs`), setup, and
the plumbing of bulk writes (`bulk`), units of work, table versions and safe Excel files."""
