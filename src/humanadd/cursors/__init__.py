"""Opaque pagination cursors, sealed with a key the service keeps in its database."""
