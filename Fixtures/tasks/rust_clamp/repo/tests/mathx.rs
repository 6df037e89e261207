use mathx::{clamp, distance};

#[test]
fn distance_works() {
    assert_eq!(distance(3, 10), 7);
}

#[test]
fn clamp_works() {
    assert_eq!(clamp(5, 0, 10), 5);
    assert_eq!(clamp(-3, 0, 10), 0);
    assert_eq!(clamp(42, 0, 10), 10);
}
