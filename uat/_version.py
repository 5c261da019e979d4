"""The version of uat, in a module of its own: the facade exports it and the file writers record it, and
neither has to import the other (lower layers never import the ``uat`` facade)."""

__version__ = "0.2.0"
