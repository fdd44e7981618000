"""techcheck: a technology safety checkup for people facing intimate-partner abuse."""

__version__ = "0.1.0"
