{{ cookiecutter.description|pystr }}

__version__ = "0.1.0"
