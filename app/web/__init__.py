"""Server-rendered pages: the same services and access rules as the API, in a browser."""
