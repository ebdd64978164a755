"""Models arrive with their issues; see README."""
