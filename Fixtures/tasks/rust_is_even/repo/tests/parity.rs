use parity::{is_even, is_odd};

#[test]
fn evens() {
    assert!(is_even(4));
    assert!(is_even(0));
    assert!(!is_even(7));
}

#[test]
fn odds() {
    assert!(is_odd(3));
}
