"""Backing up and restoring the whole database and the scanned documents:
`flask --app wsgi backup [PATH]` and `flask --app wsgi restore PATH [--yes]`.

SQLite is copied with its online backup API (a consistent snapshot while the application
runs); PostgreSQL with pg_dump's custom format and pg_restore. The scans under
instance/uploads/ go into a tar archive next to the database file (`<name>.uploads.tar`)."""
