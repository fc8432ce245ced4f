# Every target bootstraps .venv from the project's own files first.
.PHONY: demo test test-fast lint typecheck docs openapi tox bench ci clean

demo:
	@bash scripts/demo.sh

test:
	@bash scripts/test.sh

# The edit-test loop: core, docs and the Django app on SQLite; no PostgreSQL, browser or fuzz.
test-fast:
	@bash scripts/test.sh --fast

lint:
	@bash scripts/bootstrap.sh
	.venv/bin/ruff check src tests example_project bench docs
	.venv/bin/ruff format --check src tests example_project bench docs
	.venv/bin/lint-imports  # the layer map's contracts (pyproject: [tool.importlinter])

typecheck:
	@bash scripts/bootstrap.sh
	.venv/bin/mypy

docs:
	@bash scripts/bootstrap.sh
	.venv/bin/python -m sphinx -W --keep-going -b html docs docs/_build/html

openapi:
	@bash scripts/bootstrap.sh
	@bash scripts/openapi.sh

tox:
	@bash scripts/provision.sh test-fast
	@bash scripts/bootstrap.sh
	@. scripts/python.sh && .venv/bin/tox run-parallel -p 2 --parallel-no-spinner

bench:
	@bash scripts/bench.sh

ci:
	@bash .ci/run

clean:
	rm -rf .venv .tox docs/_build .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache
