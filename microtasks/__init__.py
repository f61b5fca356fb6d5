"""microtasks: settings, wiring and the command line; the one package that knows every part."""

__version__ = "0.1.0"
