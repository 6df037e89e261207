"""Small helpers for sequences and iterables."""
import itertools
from collections import deque


def take(n, seq):
    """The first n elements of seq

    >>> list(take(2, [10, 20, 30]))
    [10, 20]
    """
    return itertools.islice(seq, n)


def drop(n, seq):
    """The sequence following the first n elements

    >>> list(drop(2, [10, 20, 30, 40]))
    [30, 40]
    """
    return itertools.islice(seq, n, None)


def take_nth(n, seq):
    """Items 0, n, 2n, ... of seq

    >>> list(take_nth(2, [10, 20, 30, 40, 50]))
    [10, 30, 50]
    """
    return itertools.islice(seq, 1, None, n)


def first(seq):
    """The first element in a sequence

    >>> first('ABC')
    'A'
    """
    return next(iter(seq))


def last(seq):
    """The last element in a sequence

    >>> last('ABC')
    'C'
    """
    return deque(seq, maxlen=1)[0]


def tail(n, seq):
    """The last n elements of a sequence

    >>> tail(2, [10, 20, 30, 40, 50])
    [40, 50]
    """
    return list(deque(seq, maxlen=n))


def count(seq):
    """Count the number of items in seq

    >>> count([1, 2, 3])
    3
    """
    return sum(1 for _ in seq)


def interleave(seqs):
    """Items of the sequences in turn, until the shortest is used up

    >>> list(interleave([[1, 2], [3, 4]]))
    [1, 3, 2, 4]
    """
    for group in zip(*seqs):
        yield from group


def partition(n, seq):
    """Partition sequence into tuples of length n, dropping a short last one

    >>> list(partition(2, [1, 2, 3, 4, 5]))
    [(1, 2), (3, 4)]
    """
    args = [iter(seq)] * n
    return zip(*args)


def sliding_window(n, seq):
    """A sequence of overlapping subsequences

    >>> list(sliding_window(2, [1, 2, 3, 4]))
    [(1, 2), (2, 3), (3, 4)]
    """
    window = deque(maxlen=n)
    for item in seq:
        window.append(item)
        if len(window) == n:
            yield tuple(window)


def frequencies(seq):
    """Find number of occurrences of each value in seq

    >>> frequencies(['cat', 'ox', 'cat'])
    {'cat': 2, 'ox': 1}
    """
    counts = {}
    for item in seq:
        counts[item] = counts.get(item, 0) + 1
    return counts


def unique(seq):
    """Return only unique elements of a sequence, in order

    >>> list(unique((1, 2, 3, 1)))
    [1, 2, 3]
    """
    seen = set()
    for item in seq:
        if item not in seen:
            seen.add(item)
            yield item
