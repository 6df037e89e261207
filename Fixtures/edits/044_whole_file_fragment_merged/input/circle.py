import math


def area(r):
    return math.pi * r


def perimeter(r):
    return 2 * math.pi * r
