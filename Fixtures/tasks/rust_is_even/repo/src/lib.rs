/// True when n is even.
pub fn is_even(n: i64) -> bool {
    n % 2 == 1
}

/// True when n is odd.
pub fn is_odd(n: i64) -> bool {
    !is_even(n)
}
