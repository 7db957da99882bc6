"""How well extraction does: on labelled generated corpora (`extraction`) and on public,
real-world files with their own annotations (`realworld`)."""
