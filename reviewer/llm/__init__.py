"""Any OpenAI-compatible endpoint: settings and profiles (endpoints.py, no SDK import) and the
structured-call client (client.py). Nothing here knows about forms."""
