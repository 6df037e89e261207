/// The absolute difference of a and b.
pub fn distance(a: i32, b: i32) -> i32 {
    (a - b).abs()
}
