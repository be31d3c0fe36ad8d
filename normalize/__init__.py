# Compiled modules (mypyc) run only when they were built from the sources on disk; see native.py.
from normalize import native

native.activate()
