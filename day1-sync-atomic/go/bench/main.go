// Command bench is Monday's measured experiment written in Go, the way the course has a learner
// write it: the 90 % read / 10 % write map benchmark (sync.Map against a map guarded by a
// sync.RWMutex), counting with atomic.AddInt64 and with a sync.Mutex, and a lock-free (Treiber)
// stack on atomic.Pointer[node].
//
// Its Rust twin is the crate's measure example (examples/measure.rs, with the workloads in
// src/read_heavy.rs, src/counter.rs and src/stack/throughput.rs), which runs this program with its
// own parameters and puts these rows into the same tables. Every flag is one of those parameters;
// the defaults are the full measurement. Standard output holds only rows (package timing);
// progress goes to standard error.
//
//	go run ./bench                  # the full measurement
//	go run ./bench -run map -map-ops 400000 -map-runs 3
//	go run ./bench -smoke           # tiny sizes, every case, one run
package main

import (
	"flag"
	"fmt"
	"math/bits"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"concurrency-labs/day1-sync-atomic/go/timing"
)

// ---------------------------------------------------------------------------------------------
// The 90/10 map workload.

// readHeavyMap is what the 90/10 benchmark drives: both contenders hold uint64 keys and values.
type readHeavyMap interface {
	read(key uint64) (uint64, bool)
	write(key, value uint64)
}

// syncMap is sync.Map. Its keys and values are interfaces (`any`), so every Store boxes the key
// and the value; a Load boxes the key only where the compiler cannot keep it on the stack.
type syncMap struct{ m sync.Map }

func (s *syncMap) read(key uint64) (uint64, bool) {
	v, ok := s.m.Load(key)
	if !ok {
		return 0, false
	}
	return v.(uint64), true
}

func (s *syncMap) write(key, value uint64) { s.m.Store(key, value) }

// rwMap is the other classic answer: a plain map next to the RWMutex that guards it. Readers
// share the lock; a writer excludes everyone.
type rwMap struct {
	mu sync.RWMutex
	m  map[uint64]uint64
}

func (r *rwMap) read(key uint64) (uint64, bool) {
	r.mu.RLock()
	v, ok := r.m[key]
	r.mu.RUnlock()
	return v, ok
}

func (r *rwMap) write(key, value uint64) {
	r.mu.Lock()
	r.m[key] = value
	r.mu.Unlock()
}

// maps are the contenders, by the case name the Rust table looks up; each builds a map holding
// every key of 0..keys (value = key), so every read hits and the size never changes.
var maps = []struct {
	name      string
	prefilled func(keys uint64) readHeavyMap
}{
	{"sync.Map", func(keys uint64) readHeavyMap {
		s := &syncMap{}
		for k := uint64(0); k < keys; k++ {
			s.m.Store(k, k)
		}
		// New keys go to sync.Map's locked "dirty" map; Range promotes them to its lock-free
		// read-only map at once (even when it stops at the first key), as a long-running program's
		// reads would after enough misses. Without it the first `keys` loads of the timed runs
		// would take the locked slow path.
		s.m.Range(func(_, _ any) bool { return false })
		return s
	}},
	{"map+RWMutex", func(keys uint64) readHeavyMap {
		r := &rwMap{m: make(map[uint64]uint64, keys)}
		for k := uint64(0); k < keys; k++ {
			r.m[k] = k
		}
		return r
	}},
}

// writeFlag marks a stream entry as a write; the low bits hold the key.
const writeFlag = 1 << 63

// streamLen is the length of each goroutine's precomputed operation stream (as in Rust): well
// above the largest key space, so a stream touches (almost) every key.
const streamLen = 1 << 18

// splitMix64 is a tiny, fast pseudo-random generator (the same mixer as the workspace's Rust
// `measure::spin`). Each goroutine's stream gets its own, so no generator is shared.
type splitMix64 struct{ state uint64 }

func (s *splitMix64) next() uint64 {
	s.state += 0x9E3779B97F4A7C15
	x := s.state
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// below returns a number in 0..n, uniform to within n/2⁶⁴ (Lemire's multiply-high: the top 64
// bits of x·n), with no division.
func (s *splitMix64) below(n uint64) uint64 {
	hi, _ := bits.Mul64(s.next(), n)
	return hi
}

// keyStream is one goroutine's operations, as the Rust side builds them: keys uniform in
// 0..keys, one in ten a write. Generating them before the clock starts keeps the random-number
// generator out of the measurement.
func keyStream(keys, seed uint64) []uint64 {
	rng := splitMix64{state: seed}
	stream := make([]uint64, streamLen)
	for i := range stream {
		key := rng.below(keys)
		if rng.below(10) == 0 {
			key |= writeFlag
		}
		stream[i] = key
	}
	return stream
}

// counts is what one goroutine's replay did.
type counts struct{ reads, hits, writes int64 }

// replay runs ops entries of stream (from the start, wrapping around) against m. A write stores
// the operation's index, so values change but the set of keys does not.
func replay(m readHeavyMap, stream []uint64, ops int) counts {
	var c counts
	for i, j := 0, 0; i < ops; i, j = i+1, j+1 {
		if j == len(stream) {
			j = 0
		}
		op := stream[j]
		if op&writeFlag == 0 {
			c.reads++
			if _, ok := m.read(op); ok {
				c.hits++
			}
		} else {
			c.writes++
			m.write(op&^writeFlag, uint64(i))
		}
	}
	return c
}

func runMaps(keySpaces []uint64, threads []int, opsPerThread, runs int) {
	for _, keys := range keySpaces {
		for _, n := range threads {
			timing.Progress("  go 90/10: %d keys, %d goroutine(s)…", keys, n)
			streams := make([][]uint64, n)
			for t := range streams {
				streams[t] = keyStream(keys, 0x5eed+uint64(t))
			}
			warmUpOps := opsPerThread / 10
			if warmUpOps > streamLen {
				warmUpOps = streamLen
			}
			for _, contender := range maps {
				m := contender.prefilled(keys)
				sample := timing.MedianOf(runs, func() timing.Sample {
					results := make([]counts, n)
					s := timing.Parallel(n,
						func(t int) { replay(m, streams[t], warmUpOps) },
						func(t int) { results[t] = replay(m, streams[t], opsPerThread) })
					// Check what ran, as the Rust side does: every operation, every read a hit.
					var total counts
					for _, c := range results {
						total.reads += c.reads
						total.hits += c.hits
						total.writes += c.writes
					}
					if total.reads+total.writes != int64(n*opsPerThread) || total.hits != total.reads {
						panic(fmt.Sprintf("%s: %+v after %d×%d operations", contender.name, total, n, opsPerThread))
					}
					return s
				})
				timing.Row(fmt.Sprintf("%s/%d", contender.name, keys), n, int64(n*opsPerThread), sample)
			}
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Counters.

// counters are the ways to count from many goroutines: each adds 1 perGoroutine times and
// returns the total, read after every goroutine is done.
var counters = []struct {
	name  string
	count func(n int, perGoroutine int64) (int64, timing.Sample)
}{
	{"sync.Mutex", func(n int, perGoroutine int64) (int64, timing.Sample) {
		var mu sync.Mutex
		var count int64
		s := timing.Parallel(n, warmUpCounter(perGoroutine), func(int) {
			for i := int64(0); i < perGoroutine; i++ {
				mu.Lock()
				count++
				mu.Unlock()
			}
		})
		return count, s
	}},
	{"atomic.AddInt64", func(n int, perGoroutine int64) (int64, timing.Sample) {
		var count int64
		s := timing.Parallel(n, warmUpCounter(perGoroutine), func(int) {
			for i := int64(0); i < perGoroutine; i++ {
				atomic.AddInt64(&count, 1)
			}
		})
		return atomic.LoadInt64(&count), s
	}},
}

// warmUpCounter is every counter's warm-up (as in Rust): a tenth of the work on a private
// counter.
func warmUpCounter(perGoroutine int64) func(int) {
	return func(int) {
		var scratch int64
		for i := int64(0); i < perGoroutine/10; i++ {
			atomic.AddInt64(&scratch, 1)
		}
	}
}

func runCounters(threads []int, perGoroutine int64, runs int) {
	for _, n := range threads {
		timing.Progress("  go counters: %d goroutine(s)…", n)
		want := int64(n) * perGoroutine
		for _, c := range counters {
			sample := timing.MedianOf(runs, func() timing.Sample {
				got, s := c.count(n, perGoroutine)
				if got != want {
					panic(fmt.Sprintf("%s: counted %d, want %d", c.name, got, want))
				}
				return s
			})
			timing.Row(c.name, n, want, sample)
		}
	}
}

// ---------------------------------------------------------------------------------------------
// The Treiber stack.

type node struct {
	value uint64
	next  *node
}

// stack is a lock-free LIFO: head is the only shared word, and every change to it is a
// compare-and-swap. A popped node is never freed by hand: the garbage collector keeps it alive
// while any goroutine still holds a pointer to it, so neither use-after-free nor ABA can happen
// (the problems the Rust version solves with epochs).
type stack struct{ head atomic.Pointer[node] }

func (s *stack) push(v uint64) {
	n := &node{value: v}
	for {
		n.next = s.head.Load()
		if s.head.CompareAndSwap(n.next, n) {
			return
		}
	}
}

func (s *stack) pop() (uint64, bool) {
	for {
		top := s.head.Load()
		if top == nil {
			return 0, false
		}
		if s.head.CompareAndSwap(top, top.next) {
			return top.value, true
		}
	}
}

// rounds pushes then pops ops times and returns how many pops found an element.
func (s *stack) rounds(ops int64) int64 {
	var found int64
	for i := int64(0); i < ops; i++ {
		s.push(uint64(i))
		if _, ok := s.pop(); ok {
			found++
		}
	}
	return found
}

func runStacks(threads []int, ops int64, runs int) {
	const name = "Treiber (atomic.Pointer)"
	for _, n := range threads {
		timing.Progress("  go stack: %d goroutine(s)…", n)
		want := int64(n) * ops
		sample := timing.MedianOf(runs, func() timing.Sample {
			var s stack
			found := make([]int64, n)
			elapsed := timing.Parallel(n,
				func(int) { s.rounds(ops / 10) },
				func(t int) { found[t] = s.rounds(ops) })
			// Each goroutine's push precedes its pop, so every pop finds an element.
			var total int64
			for _, f := range found {
				total += f
			}
			if total != want {
				panic(fmt.Sprintf("%s: %d pops found an element, want %d", name, total, want))
			}
			return elapsed
		})
		timing.Row(name, n, want, sample)
	}
}

// ---------------------------------------------------------------------------------------------
// Flags.

func main() {
	mapThreads, keySpaces := timing.Ints{Values: []int{1, 2, 4}, Min: 1}, timing.Ints{Values: []int{1000, 100000}, Min: 1}
	counterThreads, stackThreads := timing.Ints{Values: []int{1, 2, 4}, Min: 1}, timing.Ints{Values: []int{1, 2}, Min: 1}
	flag.Var(&mapThreads, "map-threads", "goroutine counts of the 90/10 map workload")
	flag.Var(&keySpaces, "keys", "key spaces of the 90/10 map workload (every key is present)")
	mapOps := flag.Int("map-ops", 2000000, "map operations per goroutine per run")
	mapRuns := flag.Int("map-runs", 5, "runs per map case (the row is the median)")
	flag.Var(&counterThreads, "counter-threads", "goroutine counts of the counters")
	increments := flag.Int64("increments", 5000000, "increments per goroutine per run")
	counterRuns := flag.Int("counter-runs", 5, "runs per counter case")
	flag.Var(&stackThreads, "stack-threads", "goroutine counts of the stack")
	rounds := flag.Int64("rounds", 2000000, "push+pop rounds per goroutine per run")
	stackRuns := flag.Int("stack-runs", 5, "runs per stack case")
	run := flag.String("run", "map,counter,stack", "experiments to run, comma-separated")
	smoke := flag.Bool("smoke", false, "tiny sizes, one run, every experiment (checks the program, measures nothing)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "bench: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	if *smoke {
		keySpaces.Values = []int{100, 1000}
		*mapOps, *increments, *rounds = 2000, 2000, 2000
		*mapRuns, *counterRuns, *stackRuns = 1, 1, 1
		*run = "map,counter,stack"
	}

	experiments := map[string]bool{}
	for _, e := range strings.Split(*run, ",") {
		switch e {
		case "map", "counter", "stack":
			experiments[e] = true
		default:
			fmt.Fprintf(os.Stderr, "bench: -run: unknown experiment %q (want map, counter or stack)\n", e)
			os.Exit(2)
		}
	}
	if experiments["map"] {
		keys := make([]uint64, len(keySpaces.Values))
		for i, k := range keySpaces.Values {
			keys[i] = uint64(k)
		}
		runMaps(keys, mapThreads.Values, *mapOps, *mapRuns)
	}
	if experiments["counter"] {
		runCounters(counterThreads.Values, *increments, *counterRuns)
	}
	if experiments["stack"] {
		runStacks(stackThreads.Values, *rounds, *stackRuns)
	}
}
