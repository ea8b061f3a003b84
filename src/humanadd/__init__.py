"""humanadd: the backend of an AI receptionist platform."""

__version__ = "0.1.0"
