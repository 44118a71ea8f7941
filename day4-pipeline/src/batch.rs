//! Batching: send `Vec`s of items instead of items, so one channel hop carries many.
//!
//! A crossbeam hop costs tens of nanoseconds (a `select!` against the context a little more); a
//! stage whose work per item is a few nanoseconds spends nearly all its time in hops. Carrying 64
//! items per message divides that cost by 64. The price: latency (an item waits for its batch) and
//! memory (a full channel of capacity `c` holds `c` × batch items).

/// Groups an iterator's items into `Vec`s of `size` (the last one may be shorter).
///
/// ```
/// use day4_pipeline::batch::batches;
/// let got: Vec<Vec<u32>> = batches(1..=5, 2).collect();
/// assert_eq!(got, [vec![1, 2], vec![3, 4], vec![5]]);
/// ```
///
/// # Panics
/// Panics if `size` is 0.
pub fn batches<I: IntoIterator>(items: I, size: usize) -> Batches<I::IntoIter> {
    assert!(size > 0, "batches: `size` must be at least 1, got 0");
    Batches {
        items: items.into_iter(),
        size,
    }
}

/// The iterator returned by [`batches`].
#[derive(Clone, Debug)]
pub struct Batches<I> {
    items: I,
    size: usize,
}

impl<I: Iterator> Iterator for Batches<I> {
    type Item = Vec<I::Item>;

    fn next(&mut self) -> Option<Vec<I::Item>> {
        let mut batch = Vec::with_capacity(self.size);
        batch.extend(self.items.by_ref().take(self.size));
        (!batch.is_empty()).then_some(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::batches;

    #[test]
    fn every_item_once_in_order() {
        let flat: Vec<u32> = batches(0..1000, 64).flatten().collect();
        assert_eq!(flat, (0..1000).collect::<Vec<_>>());
        assert_eq!(batches(0..1000, 64).count(), 16);
        assert_eq!(batches(0..0, 64).count(), 0);
    }

    #[test]
    #[should_panic(expected = "`size` must be at least 1")]
    fn zero_size_is_refused() {
        let _ = batches(0..1, 0);
    }
}
