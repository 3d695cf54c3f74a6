.DEFAULT_GOAL := help
UV ?= uv

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

install: ## Create .venv with the template's tools and everything a baked project needs
	$(UV) sync --locked

fmt: ## Format and autofix the template's own Python
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

lint: ## Lint the template's own Python (baked projects are linted by the tests)
	$(UV) run ruff check .
	$(UV) run ruff format --check .

typecheck: ## mypy --strict on crudgen, hooks and tests
	$(UV) run mypy

test: install ## The whole suite: unit, bake, and each baked project's own tests on PostgreSQL
	$(UV) run pytest

test-fast: install ## Everything but the slow tier (no generated test suites)
	$(UV) run pytest -m "not slow"

props: install ## Property-based bake tests with many examples (PROPS_EXAMPLES, default 300)
	PROPS_EXAMPLES=$${PROPS_EXAMPLES:-300} $(UV) run pytest -n 2 tests/test_properties.py

bake: ## Generate the default project into build/ and show its next steps
	$(UV) run cookiecutter --no-input --overwrite-if-exists --output-dir build .

clean: ## Remove build/ and caches
	rm -rf build .pytest_cache .mypy_cache .ruff_cache

.PHONY: help install fmt lint typecheck test test-fast props bake clean
