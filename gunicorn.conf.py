"""gunicorn settings read by every `gunicorn config.wsgi` started in this folder (make run's
Procfile.dev, the Dockerfile): command-line flags there set workers and binding; this file sets
the limits applied before a request reaches Django (README "Limits at the edge").

gunicorn has no cap on the body size: Django refuses over-size bodies on their Content-Length
before reading them (config/edge.py); a reverse proxy in front would add its own cap.
"""

# The request line (method, path and query string): long enough for any of our URLs with
# filters, short enough that a megabyte-long URL is refused with 414 before Django sees it.
limit_request_line = 4094
# At most this many header fields, each at most this many bytes (cookies included): 431 past it.
limit_request_fields = 100
limit_request_field_size = 8190
