// Command bench is Wednesday's measured experiment in Go, written the way the course has a learner
// write a worker pool: a jobs channel, a results channel, N worker goroutines ranging over jobs, and
// a sync.WaitGroup that closes results once the last worker has returned. It measures
//
//   - throughput, jobs/s, at each pool size of -sizes, with sleeping jobs (I/O-bound: a sleeping
//     goroutine waits on the runtime's timer and holds neither a thread nor a core) and spinning
//     jobs (CPU-bound: -cpu-rounds rounds of the same SplitMix64 mixer as the Rust side's spin);
//   - dispatch: -jobs trivial jobs (the answer is the job's number) through -threads workers, the
//     cost of one trip through both channels;
//   - tiny jobs: -items spins of -tiny-rounds rounds (about 50 ns each), in a sequential loop and
//     through the pool in chunks of -chunk items.
//
// Each case prints one row (the timing package's protocol: case, goroutines, jobs, wall and CPU
// nanoseconds of the median run). The Rust measure example (examples/measure.rs) runs this program
// with its own parameters and puts the rows beside its own:
//
//	go run ./bench -sizes 1,2,4,8 -cpu-rounds 427063 -jobs 100000 -runs 9
//
// -smoke runs every case with tiny sizes once, in well under a second.
package main

import (
	"flag"
	"fmt"
	"sync"
	"time"

	"concurrency-labs/day1-sync-atomic/go/timing"
)

// runPool is the course's worker pool. workers goroutines share one jobs channel; each runs
// work(job) and sends the answer on results. Closing jobs tells the workers no more are coming;
// the WaitGroup tells a closer goroutine when every worker has returned, so it can close results
// and end the collecting loop. The channels are buffered for the whole batch (as Go by Example's
// worker pool does), so feeding the jobs never waits for the collecting to start. collect gets
// every answer, in the order they finish, on the caller's goroutine.
func runPool[R any](workers, jobs int, work func(job int) R, collect func(R)) {
	jobsCh := make(chan int, jobs)
	results := make(chan R, jobs)

	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1) // before the go statement, so Wait cannot run ahead of a worker that has not started
		go func() {
			defer wg.Done()
			for job := range jobsCh { // ends when jobsCh is closed and drained
				results <- work(job)
			}
		}()
	}

	for job := 0; job < jobs; job++ {
		jobsCh <- job
	}
	close(jobsCh)

	go func() {
		wg.Wait()      // every worker has returned: nobody sends on results any more
		close(results) // so the range below ends after the last answer
	}()
	for r := range results {
		collect(r)
	}
}

// throughput times jobs jobs of work on a pool of each size (median of runs) and prints a row per
// size. A pool of the size runs a few jobs untimed first, so the runtime has its threads started.
func throughput(name string, sizes []int, jobs, runs int, work func(job int) uint64) {
	for _, n := range sizes {
		timing.Progress("%s jobs, pool of %d…", name, n)
		batch := func(count int) {
			done := 0
			runPool(n, count, work, func(uint64) { done++ })
			if done != count {
				panic(fmt.Sprintf("%s, pool of %d: %d of %d jobs came back", name, n, done, count))
			}
		}
		batch(n)
		s := timing.MedianOf(runs, func() timing.Sample {
			return timing.Measure(func() { batch(jobs) })
		})
		timing.Row(name, n, int64(jobs), s)
	}
}

// dispatch times jobs trivial jobs (the answer is the job's number) through workers workers.
func dispatch(workers, jobs, runs int) {
	timing.Progress("dispatch: %d trivial jobs, %d workers…", jobs, workers)
	want := uint64(jobs) * uint64(jobs-1) / 2 // 0 + 1 + … + (jobs-1)
	batch := func() {
		var sum uint64
		runPool(workers, jobs, func(job int) uint64 { return uint64(job) }, func(r uint64) { sum += r })
		if sum != want {
			panic(fmt.Sprintf("dispatch: the answers add up to %d, not %d", sum, want))
		}
	}
	batch()
	timing.Row("dispatch", workers, int64(jobs), timing.MedianOf(runs, func() timing.Sample {
		return timing.Measure(batch)
	}))
}

// tiny times items ~50 ns jobs in a plain loop, then through workers workers in chunks of chunk
// items: each job is one chunk, answered with one result per item, which the caller adds up.
func tiny(workers, items, chunk, rounds, runs int) {
	timing.Progress("tiny jobs: %d items, sequential and in chunks of %d…", items, chunk)
	sequential := func() uint64 {
		var sum uint64
		for i := 0; i < items; i++ {
			sum += timing.Spin(uint64(i), uint64(rounds))
		}
		return sum
	}
	want := sequential()
	timing.Row("tiny-sequential", 1, int64(items), timing.MedianOf(runs, func() timing.Sample {
		return timing.Measure(func() { sequential() })
	}))

	chunks := (items + chunk - 1) / chunk
	work := func(c int) []uint64 {
		first, end := c*chunk, (c+1)*chunk
		if end > items {
			end = items
		}
		answers := make([]uint64, 0, end-first)
		for i := first; i < end; i++ {
			answers = append(answers, timing.Spin(uint64(i), uint64(rounds)))
		}
		return answers
	}
	batch := func() {
		var sum uint64
		runPool(workers, chunks, work, func(answers []uint64) {
			for _, a := range answers {
				sum += a
			}
		})
		if sum != want {
			panic(fmt.Sprintf("tiny jobs in chunks: sum %d, the sequential loop's is %d", sum, want))
		}
	}
	batch()
	timing.Row("tiny-chunks", workers, int64(items), timing.MedianOf(runs, func() timing.Sample {
		return timing.Measure(batch)
	}))
}

func main() {
	// The defaults are the Rust measure example's full run; it passes its own values.
	sizes := timing.Ints{Values: []int{1, 2, 4, 8}, Min: 1}
	flag.Var(&sizes, "sizes", "pool sizes for the throughput rows, comma-separated")
	ioJobs := flag.Int("io-jobs", 64, "sleeping jobs per timed batch")
	ioSleep := flag.Duration("io-sleep", 5*time.Millisecond, "how long one sleeping job sleeps")
	cpuJobs := flag.Int("cpu-jobs", 128, "spinning jobs per timed batch")
	cpuRounds := flag.Uint64("cpu-rounds", 400_000, "spin rounds of one spinning job (about 1 ms)")
	throughputRuns := flag.Int("throughput-runs", 5, "timed runs per throughput row (the median is printed)")
	threads := flag.Int("threads", 2, "workers for the dispatch and tiny-job rows")
	jobs := flag.Int("jobs", 100_000, "trivial jobs for the dispatch row")
	items := flag.Int("items", 1_000_000, "~50 ns jobs for the tiny-job rows")
	chunk := flag.Int("chunk", 16*1024, "items per job for the chunked tiny-job row")
	tinyRounds := flag.Int("tiny-rounds", 12, "spin rounds of one tiny job")
	runs := flag.Int("runs", 9, "timed runs for the dispatch and tiny-job rows (the median is printed)")
	smoke := flag.Bool("smoke", false, "every case with tiny sizes, one run each")
	flag.Parse()

	if *smoke {
		*ioJobs, *ioSleep, *cpuJobs, *cpuRounds, *throughputRuns = 8, time.Millisecond, 8, 10_000, 1
		*jobs, *items, *chunk, *runs = 1_000, 10_000, 1_024, 1
	}

	sleep, rounds := *ioSleep, *cpuRounds
	throughput("io", sizes.Values, *ioJobs, *throughputRuns, func(int) uint64 {
		time.Sleep(sleep)
		return 0
	})
	throughput("cpu", sizes.Values, *cpuJobs, *throughputRuns, func(int) uint64 {
		return timing.Spin(0, rounds)
	})
	dispatch(*threads, *jobs, *runs)
	tiny(*threads, *items, *chunk, *tinyRounds, *runs)
}
