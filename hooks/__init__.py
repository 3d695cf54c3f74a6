"""Cookiecutter hooks; importable unrendered so their functions are unit tested."""
