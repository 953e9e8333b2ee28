"""Exports and PDFs too large for a request, made by a worker (huey) and downloaded later.

A list's export above `EXPORT_JOB_ROWS` rows (or a branch's checklists PDF above
`EXPORT_JOB_PDF_SHEETS` sheets) is not made in the request: the request records a job
(`ExportJob`, who asked for what) and answers with the job's page, which shows its progress
(htmx polling) and then a link to the file. The worker (`flask --app wsgi worker`) replays the
export's own view in a request context of the user who asked (same filters, same language), so
the file is the one the direct export would have been; the file stays in the instance folder for
`EXPORT_JOB_HOURS` hours, only its owner may see the job or download it, and every download is
recorded in the read log as the direct export or PDF would have been (pipeline.readlog)."""
