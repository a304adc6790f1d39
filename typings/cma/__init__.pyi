# Minimal stubs for pycma 4.5 (https://github.com/CMA-ES/pycma): only what lagom uses.
# Checked against the installed package by stubtest (tox -e typing).

from cma.evolution_strategy import CMAEvolutionStrategy as CMAEvolutionStrategy
from cma.options_parameters import CMAOptions as CMAOptions

__version__: str
