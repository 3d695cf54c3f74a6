"""Tests of the service, against a real database."""
