// Command bench measures Thursday's pipeline in Go, built the way the course builds it (after the
// Go blog's "Pipelines and cancellation"): generate → process fanned out to N workers reading one
// input channel → merge, fanning their N output channels back into one (a WaitGroup closes the
// merged channel) → a sink that sums. Every send also selects on ctx.Done(), so cancelling the
// context tears the whole pipeline down.
//
// Its cases sit beside their Rust twins in day4-pipeline's tables:
//   - cpu/…: a CPU-bound process stage (spin, the same work as the Rust table's) against a plain
//     loop, one uint64 per message and in []uint64 batches;
//   - trivial/cap-C/…: what a channel hop costs when the stage does almost nothing (+1), one
//     uint64 per message or a []uint64 batch, at channel capacity C.
//
// Standard output holds only rows (see package timing); progress goes to standard error.
//
//	go run ./bench -smoke   # tiny sizes, one run, every case
//	cargo run --release -p day4-pipeline --example day4-measure   # runs this with the Rust sizes
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"

	"concurrency-labs/day1-sync-atomic/go/timing"
)

// ---- The work ----

// spinSum is what a worker does with one batch: spin every item and add the results.
func spinSum(batch []uint64, rounds uint64) uint64 {
	var total uint64
	for _, i := range batch {
		total += timing.Spin(i, rounds)
	}
	return total
}

// sequential is the baseline: the same computation as a plain loop on one goroutine.
func sequential(n, rounds uint64) uint64 {
	var total uint64
	for i := uint64(0); i < n; i++ {
		total += timing.Spin(i, rounds)
	}
	return total
}

// ---- The stages ----

// generate sends 0, 1, …, n-1, one per message, then closes its channel; it stops early when ctx
// is cancelled.
func generate(ctx context.Context, n uint64, capacity int) <-chan uint64 {
	out := make(chan uint64, capacity)
	go func() {
		defer close(out)
		for i := uint64(0); i < n; i++ {
			select {
			case out <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// generateBatches sends 0, 1, …, n-1 in slices of batch items (the last may be shorter), so one
// channel operation moves a whole batch.
func generateBatches(ctx context.Context, n uint64, batch, capacity int) <-chan []uint64 {
	out := make(chan []uint64, capacity)
	go func() {
		defer close(out)
		for start := uint64(0); start < n; start += uint64(batch) {
			end := start + uint64(batch)
			if end > n {
				end = n
			}
			b := make([]uint64, 0, end-start)
			for i := start; i < end; i++ {
				b = append(b, i)
			}
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// process applies f to every value from in and sends the result on its own channel, which it
// closes when in is closed or ctx is cancelled.
func process[T, U any](ctx context.Context, in <-chan T, capacity int, f func(T) U) <-chan U {
	out := make(chan U, capacity)
	go func() {
		defer close(out)
		for v := range in {
			select {
			case out <- f(v):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// merge fans in: one goroutine per input channel copies it to out, and a WaitGroup closes out
// once every copier has returned.
func merge[T any](ctx context.Context, capacity int, cs ...<-chan T) <-chan T {
	var wg sync.WaitGroup
	out := make(chan T, capacity)
	output := func(c <-chan T) {
		defer wg.Done()
		for v := range c {
			select {
			case out <- v:
			case <-ctx.Done():
				return
			}
		}
	}
	wg.Add(len(cs))
	for _, c := range cs {
		go output(c)
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

// fanOut starts workers process stages on the same input channel (each value reaches exactly one
// of them) and merges their outputs.
func fanOut[T, U any](ctx context.Context, in <-chan T, workers, capacity int, f func(T) U) <-chan U {
	outs := make([]<-chan U, workers)
	for i := range outs {
		outs[i] = process(ctx, in, capacity, f)
	}
	return merge(ctx, capacity, outs...)
}

// sum is the sink: it adds everything until its input is closed.
func sum(in <-chan uint64) uint64 {
	var total uint64
	for v := range in {
		total += v
	}
	return total
}

// ---- The measured pipelines ----

// cpuEach is the course's pipeline with a CPU-bound stage, one uint64 per message.
func cpuEach(n, rounds uint64, workers, capacity int) uint64 {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := generate(ctx, n, capacity)
	return sum(fanOut(ctx, in, workers, capacity, func(i uint64) uint64 { return timing.Spin(i, rounds) }))
}

// cpuBatched is the same pipeline moving batches: a worker receives a []uint64 and sends its sum.
func cpuBatched(n, rounds uint64, batch, workers, capacity int) uint64 {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := generateBatches(ctx, n, batch, capacity)
	return sum(fanOut(ctx, in, workers, capacity, func(b []uint64) uint64 { return spinSum(b, rounds) }))
}

// trivialEach is generate → process (+1) → sink, one uint64 per message: nearly all of its time
// is channel hops.
func trivialEach(n uint64, capacity int) uint64 {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	plusOne := process(ctx, generate(ctx, n, capacity), capacity, func(x uint64) uint64 { return x + 1 })
	return sum(plusOne)
}

// trivialBatched is the same three stages with batch items per message.
func trivialBatched(n uint64, batch, capacity int) uint64 {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	plusOne := process(ctx, generateBatches(ctx, n, batch, capacity), capacity, func(b []uint64) []uint64 {
		for i := range b {
			b[i]++
		}
		return b
	})
	var total uint64
	for b := range plusOne {
		for _, x := range b {
			total += x
		}
	}
	return total
}

// ---- Measuring ----

// measure warms up with one run of run, then prints the row of the median of runs timed runs, as
// the Rust tables do.
func measure(runs int, name string, threads int, ops uint64, run func()) {
	run()
	s := timing.MedianOf(runs, func() timing.Sample { return timing.Measure(run) })
	timing.Row(name, threads, int64(ops), s)
}

// check stops the program (and so the Rust measure example running it) on a wrong result.
func check(name string, got, want uint64) {
	if got != want {
		fmt.Fprintf(os.Stderr, "%s computed %d, want %d\n", name, got, want)
		os.Exit(1)
	}
}

func main() {
	items := flag.Uint64("items", 200_000, "CPU-bound job: items 0..items-1")
	rounds := flag.Uint64("rounds", 400, "CPU-bound job: spin rounds per item")
	want := flag.Uint64("want", 0, "the CPU-bound checksum Σ timing.Spin(i, rounds) (wrapping) computed by Rust; checked when given")
	workers := flag.Int("workers", runtime.NumCPU(), "fan-out workers of the CPU-bound stage")
	capacity := flag.Int("capacity", 64, "channel capacity of the CPU-bound and per-item pipelines")
	cpuBatches := timing.Ints{Values: []int{64, 1024}, Min: 1}
	flag.Var(&cpuBatches, "cpu-batches", "batch sizes of the batched CPU-bound pipelines")
	runs := flag.Int("runs", 5, "timed runs per case after one warm-up run (the median is reported)")
	trivialItems := flag.Uint64("trivial-items", 2_000_000, "items through each trivial-stage pipeline")
	batches := timing.Ints{Values: []int{16, 64, 1024}, Min: 1}
	flag.Var(&batches, "batches", "batch sizes of the per-item table")
	capacities := timing.Ints{Values: []int{0, 1, 64, 1024}, Min: 0}
	flag.Var(&capacities, "capacities", "channel capacities of the capacity sweep")
	sweepBatch := flag.Int("sweep-batch", 64, "batch size of the capacity sweep's batched pipeline")
	smoke := flag.Bool("smoke", false, "tiny sizes and one run, every case (a quick check that every line is a row)")
	flag.Parse()
	wantGiven := false
	flag.Visit(func(f *flag.Flag) { wantGiven = wantGiven || f.Name == "want" })
	if *smoke {
		*items, *rounds, *trivialItems, *runs, wantGiven = 2_000, 40, 20_000, 1, false
	}
	if *workers < 1 || *capacity < 0 || *sweepBatch < 1 {
		fmt.Fprintln(os.Stderr, "-workers and -sweep-batch must be at least 1, -capacity at least 0")
		os.Exit(2)
	}

	// CPU-bound: the loop, then the pipeline unbatched and batched.
	n, r, w := *items, *rounds, *workers
	timing.Progress("go: CPU-bound pipeline, %d items × %d spin rounds, %d workers …", n, r, w)
	seq := sequential(n, r)
	if wantGiven {
		check("Go's sequential loop (against Rust's)", seq, *want)
	}
	fmt.Printf("# Go %s, GOMAXPROCS %d; CPU-bound checksum %d\n", runtime.Version(), runtime.GOMAXPROCS(0), seq)
	measure(*runs, "cpu/sequential", 1, n, func() { check("sequential", sequential(n, r), seq) })
	measure(*runs, "cpu/pipeline/unbatched", w, n, func() { check("pipeline", cpuEach(n, r, w, *capacity), seq) })
	for _, b := range cpuBatches.Values {
		name := fmt.Sprintf("cpu/pipeline/batch-%d", b)
		measure(*runs, name, w, n, func() { check(name, cpuBatched(n, r, b, w, *capacity), seq) })
	}

	// Trivial stage: three goroutines (generate, process, sink) and two channels. The same case
	// can appear in both tables (capacity 64); it is measured once.
	timing.Progress("go: trivial stage, %d items …", *trivialItems)
	measured := map[string]bool{}
	trivial := func(n uint64, capacity, batch int) {
		name := fmt.Sprintf("trivial/cap-%d/unbatched", capacity)
		if batch > 1 {
			name = fmt.Sprintf("trivial/cap-%d/batch-%d", capacity, batch)
		}
		if measured[name] {
			return
		}
		measured[name] = true
		want := n * (n + 1) / 2
		measure(*runs, name, 3, n, func() {
			if batch > 1 {
				check(name, trivialBatched(n, batch, capacity), want)
			} else {
				check(name, trivialEach(n, capacity), want)
			}
		})
	}
	// Per-item cost at the pipelines' capacity: unbatched, then every batch size.
	trivial(*trivialItems, *capacity, 1)
	for _, b := range batches.Values {
		trivial(*trivialItems, *capacity, b)
	}
	// The capacity sweep. Below 64, unbatched runs get a twentieth of the items, as in the Rust
	// table (day4-pipeline/src/report.rs), so both sides time the same run sizes.
	for _, c := range capacities.Values {
		one := *trivialItems
		if c < 64 {
			one /= 20
		}
		trivial(one, c, 1)
		trivial(*trivialItems, c, *sweepBatch)
	}
}
