"""Server-rendered pages (Jinja2 + htmx) styled with the NHS.UK frontend."""
