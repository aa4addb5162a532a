"""Fleet audits: many `readiness check --json` reports in one SQLite inventory (docs/fleet.md)."""
