//! Property tests of the merge: associative, commutative, and equal to counting the concatenation.

use day5_wordcount::WordCounts;
use day5_wordcount::baseline::naive;
use day5_wordcount::run::merge_all;
use proptest::prelude::*;

/// Small maps over a small vocabulary, so that keys overlap often.
fn counts() -> impl Strategy<Value = WordCounts> {
    proptest::collection::vec(("[a-e]{1,2}", 1u64..5), 0..12).prop_map(|pairs| {
        let mut c = WordCounts::new();
        for (w, n) in pairs {
            c.add(&w, n);
        }
        c
    })
}

fn merged(mut a: WordCounts, b: WordCounts) -> WordCounts {
    a.merge(b);
    a
}

proptest! {
    #[test]
    fn merge_is_commutative(a in counts(), b in counts()) {
        prop_assert_eq!(merged(a.clone(), b.clone()), merged(b, a));
    }

    #[test]
    fn merge_is_associative(a in counts(), b in counts(), c in counts()) {
        prop_assert_eq!(merged(merged(a.clone(), b.clone()), c.clone()), merged(a, merged(b, c)));
    }

    #[test]
    fn merge_keeps_every_occurrence(a in counts(), b in counts()) {
        let total = a.total() + b.total();
        let m = merged(a.clone(), b.clone());
        prop_assert_eq!(m.total(), total);
        for (w, n) in a.iter().chain(b.iter()) {
            prop_assert!(m.get(w) >= n);
        }
    }

    /// Counting parts separately and merging equals counting the concatenation, when the parts are
    /// cut at white space (as files are).
    #[test]
    fn merging_parts_equals_counting_the_concatenation(
        parts in proptest::collection::vec("[a-cA-C é\n]{0,20}", 0..6)
    ) {
        let parts: Vec<String> = parts.into_iter().map(|p| p + " ").collect();
        let maps = parts.iter().map(|p| naive::count_text(p.as_bytes())).collect();
        prop_assert_eq!(merge_all(maps), naive::count_text(parts.concat().as_bytes()));
    }

    #[test]
    fn top_is_sorted_and_a_prefix_of_the_full_order(a in counts(), n in 0usize..8) {
        let all = a.top(usize::MAX);
        let top = a.top(n);
        prop_assert_eq!(&top[..], &all[..n.min(all.len())]);
        for pair in all.windows(2) {
            prop_assert!(pair[0].1 > pair[1].1 || (pair[0].1 == pair[1].1 && pair[0].0 < pair[1].0));
        }
    }
}
