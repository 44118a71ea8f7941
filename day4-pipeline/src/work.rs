//! The computation every comparison runs: a CPU-bound function of one number.

/// `rounds` steps of the SplitMix64 mixer starting from `seed`: a dependency chain the compiler
/// cannot shorten, about 1 ns a round here (`rounds` sets how CPU-bound an item is).
pub fn spin(seed: u64, rounds: u32) -> u64 {
    let mut x = seed;
    for _ in 0..rounds {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
    }
    x
}

/// `spin` summed over a batch: what a fan-out worker does with one message.
pub fn spin_sum(batch: &[u64], rounds: u32) -> u64 {
    batch
        .iter()
        .fold(0, |acc, &i| acc.wrapping_add(spin(i, rounds)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spin_depends_on_seed_and_rounds() {
        assert_eq!(spin(7, 0), 7);
        assert_ne!(spin(7, 1), spin(8, 1));
        assert_ne!(spin(7, 1), spin(7, 2));
        assert_eq!(spin_sum(&[1, 2], 3), spin(1, 3).wrapping_add(spin(2, 3)));
    }
}
