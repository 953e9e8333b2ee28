"""Audit of the act log for the organisation board (and the committees, for their subtree):
the log filtered by unit, user, act and period; each case's rows with their hashes; the walk of
the hash chains that names the first edited, inserted or deleted row; the chain head printed on
paper; corrections as rows of their own; and the anomaly checks a board can run."""
