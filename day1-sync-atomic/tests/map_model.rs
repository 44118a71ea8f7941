//! Property test: any sequence of operations on [`ConcurrentMap`] (few shards, few keys, so
//! shards and tables are exercised hard) gives the same answers as `std::collections::HashMap`.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::ops::ControlFlow;

use day1_sync_atomic::map::ConcurrentMap;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Store(u8, u32),
    Load(u8),
    LoadOrStore(u8, u32),
    Delete(u8),
    Range,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<u8>(), any::<u32>()).prop_map(|(k, v)| Op::Store(k, v)),
        any::<u8>().prop_map(Op::Load),
        (any::<u8>(), any::<u32>()).prop_map(|(k, v)| Op::LoadOrStore(k, v)),
        any::<u8>().prop_map(Op::Delete),
        Just(Op::Range),
    ]
}

proptest! {
    #[test]
    fn behaves_like_a_hash_map(shards_log2 in 0u32..4, ops in prop::collection::vec(op(), 1..200)) {
        let map = ConcurrentMap::with_shards_and_hasher(1 << shards_log2, RandomState::new());
        let mut model = HashMap::new();
        for op in ops {
            match op {
                Op::Store(k, v) => prop_assert_eq!(map.store(k, v), model.insert(k, v)),
                Op::Load(k) => prop_assert_eq!(map.load(&k), model.get(&k).copied()),
                Op::LoadOrStore(k, v) => {
                    let expected = match model.get(&k) {
                        Some(&old) => (old, true),
                        None => {
                            model.insert(k, v);
                            (v, false)
                        }
                    };
                    prop_assert_eq!(map.load_or_store(k, v), expected);
                }
                Op::Delete(k) => prop_assert_eq!(map.delete(&k), model.remove(&k)),
                Op::Range => {
                    let mut seen = HashMap::new();
                    let _ = map.range(|k, v| {
                        seen.insert(*k, *v);
                        ControlFlow::<()>::Continue(())
                    });
                    prop_assert_eq!(&seen, &model);
                }
            }
            prop_assert_eq!(map.len(), model.len());
        }
    }
}
