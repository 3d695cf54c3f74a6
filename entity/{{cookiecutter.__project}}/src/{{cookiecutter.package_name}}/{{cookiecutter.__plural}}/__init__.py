"""{{ cookiecutter.__entity_class }}: model, schemas, service, dependencies and routes."""
