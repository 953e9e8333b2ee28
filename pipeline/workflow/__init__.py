"""The admission process: stages, transitions, guards and the operation that applies an act.
`definition` is the single source of truth; pages, buttons and reports read from it."""
