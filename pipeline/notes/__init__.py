"""Notes on a case: dated remarks by the members of the case's subtree, kept beside the act log
but outside it (a note is not an act: it moves nothing and is not replayed)."""
