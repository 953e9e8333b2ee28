"""Importing a branch's candidate list from a spreadsheet (CSV or XLSX) on the command line:
`flask --app wsgi import-candidates FILE --unit CODE --as USERNAME [--dry-run]`.

Every row is judged by the "New candidate" page's own form (NewCandidateForm) and opened by the
same operation (open_case), so an imported case is indistinguishable from a typed one.
All or nothing: one bad row and nothing is written."""
