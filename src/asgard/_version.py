"""The version of asgard, read by the build backend and by ``asgard.__version__``."""

__version__ = "0.1.0.dev0"
