"""The Python worker of the worker benchmarks: answers each task with its own payload."""

import stockade_worker


def handle(payload, context):
    return payload


if __name__ == "__main__":
    stockade_worker.run(handle)
