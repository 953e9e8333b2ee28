"""The read log: who opened which case, dossier, scan, printout or export of personal data, and
when (Vietnam's personal-data protection law, in force since 1/1/2026). Append-only and chained
per user (pipeline.readlog.models); written by the pages themselves (pipeline.readlog.reads);
read on the audit page `/audit/reads` (pipeline.readlog.views)."""
