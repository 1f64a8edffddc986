"""`python -m localmodels prepare|serve|serve-embeddings`: assemble, verify and serve the
bundled models (serve: the chat models through llama.cpp; serve-embeddings: the embedding model,
see localmodels/embedding_server.py)."""

import argparse
import json
import os
import sys
from pathlib import Path

from .bundled import MODELS, ModelFileError, assemble


def _data_dir() -> Path:
    default = Path(__file__).resolve().parent.parent / "data"
    return Path(os.environ.get("PROMPTCRAFT_DATA_DIR", default))


def prepare(names: list[str]) -> dict[str, Path]:
    paths = {}
    for name in names:
        print(f"Checking bundled model {name} (sha256)…", flush=True)
        paths[name] = assemble(MODELS[name], _data_dir())
    return paths


def serve(names: list[str], host: str, port: int) -> None:
    """Verify every model, then replace this process with llama.cpp's OpenAI-compatible server.

    The server loads a model on its first request and answers to model name "<name>"."""
    paths = prepare(names)
    config = {
        "host": host,
        "port": port,
        "models": [
            {
                "model": str(paths[name]),
                "model_alias": name,
                "n_ctx": MODELS[name].context_length,
                "n_threads": os.cpu_count() or 2,
                "verbose": False,
            }
            for name in names
        ],
    }
    # One file per port, rewritten at each start: several servers may run side by side.
    config_path = _data_dir() / f"llama-server-{port}.json"
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(json.dumps(config, indent=2))
    os.execv(
        sys.executable,
        [sys.executable, "-m", "llama_cpp.server", "--config_file", str(config_path)],
    )


def serve_embeddings(host: str, port: int) -> int:
    from .embedding_server import NotLoopback, serve

    try:
        serve(host, port)
    except (NotLoopback, ModelFileError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m localmodels")
    commands = parser.add_subparsers(dest="command", required=True)
    for command in ("prepare", "serve"):
        sub = commands.add_parser(command)
        sub.add_argument("models", nargs="*", metavar="MODEL", help=", ".join(MODELS))
        if command == "serve":
            sub.add_argument("--host", default="127.0.0.1")
            sub.add_argument("--port", type=int, default=8011)
    embeddings = commands.add_parser(
        "serve-embeddings", help="serve the bundled embedding model on /v1/embeddings"
    )
    embeddings.add_argument("--host", default="127.0.0.1", help="a loopback address")
    embeddings.add_argument("--port", type=int, default=8012)
    args = parser.parse_args()
    if args.command == "serve-embeddings":
        return serve_embeddings(args.host, args.port)
    unknown = [name for name in args.models if name not in MODELS]
    if unknown:
        parser.error(f"unknown model {', '.join(unknown)}; bundled: {', '.join(MODELS)}")
    explicit = bool(args.models)
    args.models = args.models or list(MODELS)
    try:
        if args.command == "prepare":
            for name, path in prepare(args.models).items():
                print(f"{name}: {path} (verified)")
            if not explicit:
                from .bundled import verified_path
                from .embedding import EMBEDDING_MODELS

                for model in EMBEDDING_MODELS.values():
                    print(f"Checking embedding model {model.name} (sha256)…", flush=True)
                    for pinned in (model.weights, model.tokenizer):
                        print(f"{model.name}: {verified_path(pinned)} (verified)")
        else:
            serve(args.models, args.host, args.port)
    except ModelFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
