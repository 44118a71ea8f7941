//! The computation every comparison runs: day 1's CPU-bound [`spin`] workload, one number at a
//! time or summed over a batch.

pub use labkit::spin;

/// `spin` summed over a batch: what a fan-out worker does with one message.
pub fn spin_sum(batch: &[u64], rounds: u64) -> u64 {
    batch
        .iter()
        .fold(0, |acc, &i| acc.wrapping_add(spin(i, rounds)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spin_sum_adds_each_items_spin() {
        assert_eq!(spin_sum(&[1, 2], 3), spin(1, 3).wrapping_add(spin(2, 3)));
        assert_eq!(spin_sum(&[], 3), 0);
    }
}
