from avert.cli.main import entrypoint


entrypoint()
