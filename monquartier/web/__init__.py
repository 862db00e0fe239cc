"""The top layer: pages and commands that compose several apps (the members' home page,
the demo). No app imports from here."""
