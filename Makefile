# The two commands of the README. Each prepares its own environment first.
.PHONY: run test lint

run:
	packaging/bootstrap.sh
	.venv/bin/speednet-player

test:
	packaging/bootstrap.sh --test
	.venv/bin/lint-imports
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q

lint:
	.venv/bin/lint-imports
