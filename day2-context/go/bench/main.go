// Command bench measures Tuesday's costs of Go's context package, case for case beside the Rust
// table of `cargo run --release -p day2-context --example day2-measure`, which runs this program
// with its own sizes and puts these rows in the same tables:
//
//  1. One context, one goroutine: derive + cancel for each constructor, WithValue, a Value lookup
//     nine links up the chain, and Err() — the cost of each call a request handler makes.
//  2. Many goroutines deriving from one shared parent: every WithCancel registers the child in the
//     parent's children map under the parent's mutex, so that mutex is the shared point.
//  3. Fan-out: N goroutines blocked on <-ctx.Done(), one cancel(), and the time until the last
//     one has woken up.
//
// Standard output holds one row per case (see day1-sync-atomic/go/timing); progress goes to
// standard error. `go run ./bench -smoke` runs every case on tiny sizes.
package main

import (
	"context"
	"flag"
	"sync"
	"time"

	"concurrency-labs/day1-sync-atomic/go/timing"
)

// requestID is the key type for WithValue: an unexported type, so no other package's key can
// collide with it (the advice in the context package's docs).
type requestID struct{}

// sink keeps results alive, so the compiler cannot drop a call whose result is unused.
var sink any

// settle is how long a fan-out run waits after every waiter said it is ready, so that each has
// reached <-ctx.Done() and parked before cancel() is called.
const settle = 20 * time.Millisecond

func main() {
	ops := flag.Int("ops", 200_000, "operations per timed run of a single-goroutine case")
	runs := flag.Int("runs", 7, "timed runs per case; the median is reported")
	threads := timing.Ints{Values: []int{1, 2, 4}, Min: 1}
	flag.Var(&threads, "threads", "goroutine counts of the shared-parent case")
	waiters := timing.Ints{Values: []int{1, 16, 256}, Min: 1}
	flag.Var(&waiters, "waiters", "goroutine counts of the fan-out case")
	smoke := flag.Bool("smoke", false, "tiny sizes and one run, every case (a quick check)")
	flag.Parse()
	if *smoke {
		*ops, *runs, waiters.Values = 1_000, 1, []int{1, 4}
	}

	// The parent every derived context hangs off: cancellable, as on the Rust side, so each
	// WithCancel registers with it.
	parent, stop := context.WithCancel(context.Background())
	defer stop()

	singleGoroutine(parent, *ops, *runs)
	sharedParent(parent, threads.Values, *ops/2, *runs)
	for _, n := range waiters.Values {
		timing.Progress("bench: fan-out to %d waiters…", n)
		timing.Row("fan-out: <-ctx.Done()", n, 1, fanOut(n, *runs))
	}
}

// singleGoroutine times each call on its own: ops calls a run, after a warm-up of ops/10.
func singleGoroutine(parent context.Context, ops, runs int) {
	timing.Progress("bench: single-goroutine costs (%d operations per run)…", ops)
	// The same shape as the Rust chain: a value, then eight cancellable links below it.
	valued := context.WithValue(parent, requestID{}, uint64(7))
	for i := 0; i < 8; i++ {
		ctx, cancel := context.WithCancel(valued)
		defer cancel()
		valued = ctx
	}
	cases := []struct {
		name string
		op   func()
	}{
		{"WithCancel + cancel()", func() {
			ctx, cancel := context.WithCancel(parent)
			cancel()
			sink = ctx
		}},
		{"WithTimeout(1h) + cancel()", func() {
			ctx, cancel := context.WithTimeout(parent, time.Hour)
			cancel()
			sink = ctx
		}},
		{"WithCancel + Done() + cancel()", func() {
			ctx, cancel := context.WithCancel(parent)
			sink = ctx.Done() // makes the done channel, which Go creates on first use
			cancel()
		}},
		{"WithValue", func() {
			sink = context.WithValue(parent, requestID{}, uint64(1))
		}},
		{"Value(key) 9 links up", func() {
			sink = valued.Value(requestID{})
		}},
		{"Err() != nil", func() {
			sink = valued.Err() != nil
		}},
	}
	for _, c := range cases {
		for i := 0; i < ops/10; i++ {
			c.op() // warm up
		}
		s := timing.MedianOf(runs, func() timing.Sample {
			return timing.Measure(func() {
				for i := 0; i < ops; i++ {
					c.op()
				}
			})
		})
		timing.Row(c.name, 1, int64(ops), s)
	}
}

// sharedParent runs perGoroutine WithCancel + cancel() pairs on each of n goroutines at once,
// all deriving from the same parent.
func sharedParent(parent context.Context, threadCounts []int, perGoroutine, runs int) {
	timing.Progress("bench: goroutines deriving from one shared parent…")
	deriveAndCancel := func(count int) {
		for i := 0; i < count; i++ {
			_, cancel := context.WithCancel(parent)
			cancel()
		}
	}
	for _, n := range threadCounts {
		s := timing.MedianOf(runs, func() timing.Sample {
			return timing.Parallel(n,
				func(int) { deriveAndCancel(perGoroutine / 10) },
				func(int) { deriveAndCancel(perGoroutine) })
		})
		timing.Row("shared parent: WithCancel + cancel()", n, int64(n*perGoroutine), s)
	}
}

// fanOut blocks n goroutines on <-ctx.Done() and cancels ctx. The sample's wall time runs from
// the cancel() call to the moment the last goroutine woke; its CPU time is the process's, from
// cancel() until every goroutine has recorded its wake-up.
func fanOut(n, runs int) timing.Sample {
	return timing.MedianOf(runs, func() timing.Sample {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		wokeAt := make([]time.Time, n) // each goroutine writes only its own slot
		var ready, woke sync.WaitGroup
		ready.Add(n)
		woke.Add(n)
		for i := 0; i < n; i++ {
			go func(i int) {
				defer woke.Done()
				ready.Done()
				<-ctx.Done()
				wokeAt[i] = time.Now()
			}(i)
		}
		ready.Wait()
		time.Sleep(settle)
		var start time.Time
		s := timing.Measure(func() {
			start = time.Now()
			cancel()
			woke.Wait() // also makes every wokeAt write visible here
		})
		last := start
		for _, t := range wokeAt {
			if t.After(last) {
				last = t
			}
		}
		s.Wall = last.Sub(start)
		return s
	})
}
