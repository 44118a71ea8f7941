// The small version of Monday: goroutines count with sync/atomic and fill a sync.Map together.
// Its Rust twin is main.rs in this folder (cargo run -q -p day1-sync-atomic --example day1-small);
// both print exactly the same lines.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
)

func main() {
	const workers, perWorker, keys = 4, 1000, 100

	var ops int64         // every operation, counted with atomic.AddInt64
	var firstStores int64 // LoadOrStore calls that found their key missing and stored it
	var squares sync.Map  // n → n*n, stored by whichever goroutine gets there first

	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				n := uint64((w + i) % keys) // the goroutines ask for the same keys
				if _, loaded := squares.LoadOrStore(n, n*n); !loaded {
					atomic.AddInt64(&firstStores, 1)
				}
				atomic.AddInt64(&ops, 1)
			}
		}(w)
	}
	wg.Wait() // every goroutine is done: all their writes are visible from here on

	var count, sum uint64
	squares.Range(func(_, v any) bool {
		count++
		sum += v.(uint64)
		return true
	})
	total, first := atomic.LoadInt64(&ops), atomic.LoadInt64(&firstStores)
	fmt.Printf("operations: %d\n", total)
	fmt.Printf("first stores: %d (the other %d found the key already there)\n", first, total-first)
	fmt.Printf("keys: %d, sum of values: %d\n", count, sum)
}
