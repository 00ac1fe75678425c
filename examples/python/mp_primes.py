"""The job with Python's multiprocessing.Pool: python3 mp_primes.py"""
from multiprocessing import Pool

from primes import CHUNKS, count_primes


def count_chunk(chunk):
    return count_primes(*chunk)


if __name__ == "__main__":
    with Pool(2) as pool:
        counts = pool.map(count_chunk, CHUNKS)
    print(sum(counts))
