"""Regenerates test/fixtures/random/cpython-random.json: draws from CPython's own `random` module for the
methods core/random ports, per seed, so the TypeScript port can be checked value for value.

Usage: python3 scripts/cpython-random-fixture.py > test/fixtures/random/cpython-random.json
"""

import json
import math
import random
import sys

SEEDS = [0, 1, 42, 77, 2654435828, 5308871487, -77, 2**64 + 3, 12345678901234567890123]


def case(seed):
    r = random.Random(seed)
    out = {"seed": str(seed)}
    out["uint32"] = [r.getrandbits(32) for _ in range(700)]  # crosses one twist
    r.seed(seed)
    out["random"] = [r.random() for _ in range(50)]
    out["getrandbits"] = [[k, r.getrandbits(k)] for k in (0, 1, 3, 5, 31, 32, 33, 40, 53) for _ in range(3)]
    out["getrandbits_big"] = [[k, str(r.getrandbits(k))] for k in (64, 65, 100, 130)]
    out["randrange"] = [[n, r.randrange(n)] for n in (1, 2, 3, 4, 5, 7, 15, 100, 2**31, 2**32, 2**32 + 5, 2**53 - 1) for _ in range(3)]
    out["randrange_step"] = [[a, b, s, r.randrange(a, b, s)] for (a, b, s) in ((0, 10, 3), (10, 0, -2), (5, 100, 7), (-20, 20, 1))]
    out["randint"] = [[a, b, r.randint(a, b)] for (a, b) in ((1, 6), (0, 0), (-3, 3), (10, 1000))]
    seq = ["idle", "even", "busy", "burst"]
    out["choice"] = [seq.index(r.choice(seq)) for _ in range(40)]
    out["choices"] = [seq.index(x) for x in r.choices(seq, k=20)]
    items = list(range(50))
    r.shuffle(items)
    out["shuffle50"] = items
    out["uniform"] = [[a, b, r.uniform(a, b)] for (a, b) in ((0.05, 0.3), (1.0, 2.5), (3600, 4800), (5.0, -1.0))]
    out["expovariate"] = [[lam, r.expovariate(lam)] for lam in (0.2, 1.0, 3.7, 8.0) for _ in range(5)]
    out["gauss"] = [r.gauss(0.04, 0.01) for _ in range(601)]  # odd count: the cached value is left over
    out["gauss_after_random"] = [r.random(), r.gauss(1.0, 2.0), r.random()]  # the cache survives other draws
    r.seed(seed)
    out["gauss_after_reseed"] = r.gauss(0.0, 1.0)  # seed() clears the cache
    out["normalvariate"] = [r.normalvariate(0.0, 1.0) for _ in range(200)]
    out["expovariate_many"] = [r.expovariate(1.0 + (i % 7)) for i in range(1000)]
    return out


def log_cases():
    """math.log on inputs like expovariate's (1 - random()), wide ranges, near 1 and subnormals."""
    r = random.Random(2024)
    xs = [1.0 - r.random() for _ in range(3000)]
    xs += [math.exp(r.uniform(-700, 700)) for _ in range(1000)]
    xs += [1 + r.uniform(-0.07, 0.07) for _ in range(1000)]
    xs += [r.uniform(0, 1) * 2.0**-1060 for _ in range(50)]
    return [[x, math.log(x)] for x in xs]


json.dump({"python": sys.version.split()[0], "cases": [case(s) for s in SEEDS], "log": log_cases()}, sys.stdout)
sys.stdout.write("\n")
