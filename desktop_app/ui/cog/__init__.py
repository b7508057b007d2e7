"""Local Cog servers: connecting to one and running predictions on it."""
