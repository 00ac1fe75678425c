"""The same job's worker for a Stockade WorkerPool: one task is one chunk, "low,high"."""
import stockade_worker

from primes import count_primes


def handle(payload, context):
    low, high = (int(n) for n in payload.split(b","))
    return str(count_primes(low, high))


if __name__ == "__main__":
    stockade_worker.run(handle)
