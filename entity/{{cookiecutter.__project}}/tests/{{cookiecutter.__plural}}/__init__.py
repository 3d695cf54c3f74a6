"""Tests of /{{ cookiecutter.__plural_path }}."""
