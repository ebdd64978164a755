"""Meetings and notification records: see README."""
