"""The project's own tests: python3 test_seqtools.py (exit status 0 when all pass)."""
import doctest
import sys

import seqtools


def check():
    assert list(seqtools.take(2, [1, 2, 3])) == [1, 2]
    assert list(seqtools.drop(1, [1, 2, 3])) == [2, 3]
    assert list(seqtools.take_nth(2, [10, 20, 30, 40, 50])) == [10, 30, 50]
    assert list(seqtools.take_nth(3, range(7))) == [0, 3, 6]
    assert seqtools.first([5, 6]) == 5 and seqtools.last([5, 6]) == 6
    assert seqtools.tail(2, range(5)) == [3, 4]
    assert seqtools.count(iter('abc')) == 3
    assert list(seqtools.interleave([[1, 2], [3]])) == [1, 3]
    assert list(seqtools.partition(2, range(5))) == [(0, 1), (2, 3)]
    assert list(seqtools.sliding_window(3, range(4))) == [(0, 1, 2), (1, 2, 3)]
    assert seqtools.frequencies('abca') == {'a': 2, 'b': 1, 'c': 1}
    assert list(seqtools.unique('cabca')) == ['c', 'a', 'b']


if __name__ == '__main__':
    check()
    failures, _ = doctest.testmod(seqtools)
    sys.exit(1 if failures else 0)
