"""Setting up an organisation from spreadsheets: the unit tree and the accounts, each imported from
a CSV or XLSX file (on the command line and on an administrator's page) and exported in exactly
the import's format, so that an export re-imports unchanged.

The reading of the file is the candidate import's (pipeline.imports.sheet: a title block above
the header, headers in either language without accents or case); `table` describes the columns,
`units` and `accounts` judge every row before anything is written and then write all rows or
none, in one transaction, through the ordinary operations (create_unit, create_user)."""
