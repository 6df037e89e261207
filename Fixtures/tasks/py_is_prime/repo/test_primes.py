from primes import is_prime


def test_small_numbers():
    assert [n for n in range(12) if is_prime(n)] == [2, 3, 5, 7, 11]


def test_larger():
    assert is_prime(97)
    assert not is_prime(91)
