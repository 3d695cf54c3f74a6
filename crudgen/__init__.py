"""Generator helpers shared by the cookiecutter hooks and Jinja extension."""
