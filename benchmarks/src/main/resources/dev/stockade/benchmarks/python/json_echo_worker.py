"""The Python worker of the JSON benchmark: parses each task's JSON object and writes it back."""

import json

import stockade_worker


def handle(payload, context):
    return json.dumps(json.loads(payload), separators=(",", ":")).encode("utf-8")


if __name__ == "__main__":
    stockade_worker.run(handle)
