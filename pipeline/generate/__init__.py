"""`flask --app wsgi generate --units 60000 --cases 1000000`: a national-scale database for the
benchmarks (issue 16), built in bulk.

- `tree`: the organisation (provinces → communes, wards and special zones → branches, with some
  grassroots committees and sub-committees), its accounts, training classes and quotas, written
  with one INSERT per table, the units' and accounts' chains included.
- `plans`: what happens to each case, as dated acts drawn from a `random.Random` per case (the
  same seed gives the same database).
- `acting`: each plan's acts judged by the workflow's own guards and applied by its replay, in
  memory; the log rows hashed as `operations.perform` hashes them, the projection rows taken
  from `pipeline.workflow.projection` on the state reached.
- `writer`: the rows in batches (COPY on PostgreSQL, executemany on SQLite).
- `cli`: the command, its refusal of a database that holds data, and its progress.
"""
