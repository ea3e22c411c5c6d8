# Recourse developer entry points. Logic lives in scripts/; see README.
SHELL := /bin/bash
PORT ?= 8000
export PORT

.PHONY: run test lint fmt

## run: the whole portal on 127.0.0.1:$(PORT) with demo data (SQLite, no servers needed)
run:
	@scripts/run.sh

## test: the test suite on PostgreSQL + Redis (found or started); pass ARGS="-k foo" for pytest
test:
	@scripts/test.sh $(ARGS)

## lint: ruff lint and format check (no changes), and the floors of the house (import-linter)
lint:
	@scripts/uv.sh run --frozen ruff check .
	@scripts/uv.sh run --frozen ruff format --check .
	@scripts/uv.sh run --frozen lint-imports

## fmt: apply ruff fixes and formatting
fmt:
	@scripts/uv.sh run --frozen ruff check --fix .
	@scripts/uv.sh run --frozen ruff format .
