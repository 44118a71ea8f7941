//! Restoring submission order as results arrive: a reorder buffer.
//!
//! Workers finish out of order. Go's tutorial collects all results and sorts them; a reorder buffer
//! does better: it parks an early result until every lower index has been handed out, so result 0 is
//! printed as soon as job 0 finishes, not when job 99 does. It holds at most as many items as arrived
//! ahead of the first missing one.
//!
//! Invariants:
//! 1. `slots[k]` holds the item for index `next + k` if it arrived, `None` if not; `parked` counts
//!    the `Some` slots.
//! 2. Every index is accepted at most once; a duplicate or an index already handed out panics.

use std::collections::VecDeque;

use crate::outcome::Outcome;

/// A reorder buffer: insert `(index, item)` in any order, pop items in index order.
///
/// ```
/// use day3_worker_pool::Reorder;
/// let mut r = Reorder::new();
/// r.insert(1, "b");
/// assert_eq!(r.pop(), None); // 0 has not arrived: "b" waits
/// r.insert(0, "a");
/// assert_eq!(r.pop(), Some((0, "a")));
/// assert_eq!(r.pop(), Some((1, "b")));
/// ```
#[derive(Clone, Debug)]
pub struct Reorder<T> {
    next: usize,
    slots: VecDeque<Option<T>>,
    parked: usize,
}

impl<T> Default for Reorder<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Reorder<T> {
    /// An empty buffer expecting index 0 first.
    pub fn new() -> Self {
        Reorder {
            next: 0,
            slots: VecDeque::new(),
            parked: 0,
        }
    }

    /// Accepts the item for `index`.
    ///
    /// # Panics
    /// Panics if `index` was already inserted (a job reported twice is a bug upstream).
    pub fn insert(&mut self, index: usize, item: T) {
        // lab:begin day3/reorder-insert
        assert!(
            index >= self.next,
            "Reorder::insert: index {index} was already handed out"
        );
        let k = index - self.next;
        if k >= self.slots.len() {
            self.slots.resize_with(k + 1, || None);
        }
        assert!(
            self.slots[k].is_none(),
            "Reorder::insert: index {index} inserted twice"
        );
        self.slots[k] = Some(item);
        self.parked += 1;
        // lab:end day3/reorder-insert
    }

    /// The item with the next index, if it has arrived.
    pub fn pop(&mut self) -> Option<(usize, T)> {
        let item = self.slots.front_mut()?.take()?;
        self.slots.pop_front();
        self.parked -= 1;
        let index = self.next;
        self.next += 1;
        Some((index, item))
    }

    /// The index [`pop`](Reorder::pop) is waiting for.
    pub fn next_index(&self) -> usize {
        self.next
    }

    /// How many items are held, waiting for a lower index.
    pub fn parked(&self) -> usize {
        self.parked
    }

    /// Gives up on the missing indices: the parked items in index order, skipping the gaps.
    pub fn into_parked(self) -> impl Iterator<Item = (usize, T)> {
        let first = self.next;
        self.slots
            .into_iter()
            .enumerate()
            .filter_map(move |(k, slot)| slot.map(|item| (first + k, item)))
    }
}

/// An iterator adapter that yields [`Outcome`]s in index order while they arrive.
///
/// An outcome is yielded as soon as every lower index has been; when the source ends (the results
/// channel closed), outcomes still parked behind a gap — indices that never ran because the pool was
/// cancelled — follow in index order, so nothing is lost.
#[derive(Debug)]
pub struct InOrder<I: Iterator> {
    source: I,
    buffer: Reorder<I::Item>,
    tail: Option<std::vec::IntoIter<(usize, I::Item)>>,
}

impl<R, I: Iterator<Item = Outcome<R>>> InOrder<I> {
    /// Wraps a source of outcomes whose indices start at 0.
    pub fn new(source: I) -> Self {
        InOrder {
            source,
            buffer: Reorder::new(),
            tail: None,
        }
    }

    /// The reorder buffer's current state: how many outcomes wait for a lower index.
    pub fn parked(&self) -> usize {
        self.buffer.parked()
    }
}

impl<R, I: Iterator<Item = Outcome<R>>> Iterator for InOrder<I> {
    type Item = Outcome<R>;

    fn next(&mut self) -> Option<Outcome<R>> {
        if let Some(tail) = &mut self.tail {
            return tail.next().map(|(_, o)| o);
        }
        loop {
            if let Some((_, outcome)) = self.buffer.pop() {
                return Some(outcome);
            }
            match self.source.next() {
                Some(outcome) => self.buffer.insert(outcome.index, outcome),
                None => {
                    let buffer = std::mem::take(&mut self.buffer);
                    let tail = self
                        .tail
                        .insert(buffer.into_parked().collect::<Vec<_>>().into_iter());
                    return tail.next().map(|(_, o)| o);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_order_whatever_the_insert_order() {
        let mut r = Reorder::new();
        let mut out = Vec::new();
        for i in [3, 1, 0, 4, 2, 6, 5] {
            r.insert(i, i * 10);
            while let Some((index, item)) = r.pop() {
                assert_eq!(item, index * 10);
                out.push(index);
            }
        }
        assert_eq!(out, [0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(r.parked(), 0);
        assert_eq!(r.next_index(), 7);
    }

    #[test]
    fn yields_early_without_waiting_for_the_rest() {
        let mut r = Reorder::new();
        r.insert(0, 'a');
        assert_eq!(r.pop(), Some((0, 'a')));
        assert_eq!(r.pop(), None);
    }

    #[test]
    fn into_parked_skips_gaps() {
        let mut r = Reorder::new();
        r.insert(0, 'a');
        r.insert(2, 'c');
        r.insert(5, 'f');
        assert_eq!(r.pop(), Some((0, 'a')));
        assert_eq!(r.parked(), 2);
        assert_eq!(r.into_parked().collect::<Vec<_>>(), [(2, 'c'), (5, 'f')]);
    }

    #[test]
    #[should_panic(expected = "inserted twice")]
    fn duplicate_index_panics() {
        let mut r = Reorder::new();
        r.insert(1, ());
        r.insert(1, ());
    }

    #[test]
    #[should_panic(expected = "already handed out")]
    fn an_index_already_handed_out_panics() {
        let mut r = Reorder::new();
        r.insert(0, 'a');
        assert_eq!(r.pop(), Some((0, 'a')));
        r.insert(0, 'a'); // job 0 reported a second time, after it was handed out
    }

    #[test]
    fn in_order_adapter_flushes_past_gaps_at_the_end() {
        let o = |index| Outcome {
            index,
            worker: 0,
            result: Ok(index),
        };
        let got: Vec<usize> = InOrder::new([o(2), o(0), o(4), o(1)].into_iter())
            .map(|o| o.index)
            .collect();
        assert_eq!(got, [0, 1, 2, 4]);
    }
}
