"""Where cases are stuck: the matrix of units × stages, its case lists, a branch's board and the
deadlines falling due. Aggregate SQL only: a fixed number of statements per page."""
