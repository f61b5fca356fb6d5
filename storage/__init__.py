"""SQLite storage: the connection strategy, migrations and every SQL statement of the product."""
