"""The API's hot path, in one place: the driver's readers (`driver`), the key look-up that
can carry a route's own read (`auth`), and the ASGI layers that route every path's methods
and serve the hot routes without the framework's per-request work (`middleware`)."""
