"""Local stand-ins for the outside services the project talks to."""
