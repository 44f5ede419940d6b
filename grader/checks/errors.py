"""The one exception every failing check raises.

It subclasses AssertionError so that nbgrader (and pytest) treat it as a
failed test, and it always starts with a failure kind from ``messages.KIND``.
"""

from .messages import KIND


class CheckFailed(AssertionError):
    """A check found the student's answer wrong; the message says why, in Spanish.

    ``hidden``: the key of ``messages.HIDDEN`` a graded hidden check shows instead (default: the kind).
    """

    def __init__(self, kind: str, *details: str, hidden: str = ""):
        self.kind = kind
        self.hidden = hidden or kind
        self.details = tuple(d for d in details if d)
        text = KIND[kind][0].upper() + KIND[kind][1:] + ". " + " ".join(d for d in details if d)
        super().__init__(text)


def fail(kind: str, *details: str, hidden: str = "") -> None:
    """Raise a CheckFailed without chaining, so feedback shows one short message."""
    raise CheckFailed(kind, *details, hidden=hidden) from None
