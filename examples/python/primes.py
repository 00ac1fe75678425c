"""The work both versions of the job share: count the primes in [low, high)."""


def count_primes(low, high):
    count = 0
    for n in range(max(low, 2), high):
        if n % 2 == 0:
            count += n == 2
            continue
        d = 3
        while d * d <= n:
            if n % d == 0:
                break
            d += 2
        else:
            count += 1
    return count


# 40 chunks of 10,000 numbers: the primes below 400,000.
CHUNKS = [(low, low + 10_000) for low in range(0, 400_000, 10_000)]
