"""How far a long command has got: a bar on a terminal, plain lines elsewhere."""
import sys

import click


class CountProgress:
    """How far a long command has got, as `update(done, total)` calls tell it: a progress bar on
    a terminal; on anything else (CI, a log file) where a bar would be control characters, a
    plain line every `every` items and at the end ("120/345 cases recorded")."""

    def __init__(self, label, noun, every=50, file=None, interactive=None):
        self.label, self.noun, self.every, self.file = label, noun, every, file
        self.interactive = (file or sys.stdout).isatty() if interactive is None else interactive
        self._bar = None

    def update(self, done, total):
        if not self.interactive:
            if done % self.every == 0 or done == total:
                click.echo(f"{done}/{total} {self.noun}", file=self.file)
            return
        if self._bar is None:  # the total is known only once the work has begun
            self._bar = click.progressbar(length=total, label=self.label, show_pos=True, file=self.file)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)
        if done >= total:
            self.close()

    def echo(self, message):
        """A line of its own, below the bar rather than through it."""
        self.close()
        click.echo(message, file=self.file)

    def close(self):
        if self._bar is not None:
            bar, self._bar = self._bar, None
            bar.__exit__(None, None, None)
