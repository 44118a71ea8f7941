// Package timing measures the course's Go programs the way the Rust tables are measured: wall time
// and process CPU time ("cores busy" = CPU / wall), warm-up inside each goroutine before the clock
// starts, the median of several runs, and one row per case on standard output, a JSON object per
// line in the schema of the Rust rows (labkit::rows::Row):
//
//	{"series":"sync.Map/1000","lang":"go","threads":2,"ops":4000000,"wall_ns":…,"cpu_ns":…}
//
// Later days import it through a replace directive, as their Rust crates build on day 1's measure
// module.
package timing

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Sample is one timed run: wall-clock time and the CPU time the whole process used meanwhile.
type Sample struct {
	Wall time.Duration
	CPU  time.Duration
}

// cpuTime is the user + system time of every thread of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Measure runs f once and returns its wall and process CPU time.
func Measure(f func()) Sample {
	cpu0, wall0 := cpuTime(), time.Now()
	f()
	return Sample{Wall: time.Since(wall0), CPU: cpuTime() - cpu0}
}

// Parallel runs work(i) on n goroutines and times them together: each goroutine runs warmUp(i)
// first, the clock starts when all have warmed up, and stops when the last work(i) returns.
func Parallel(n int, warmUp, work func(i int)) Sample {
	var warm, done sync.WaitGroup
	start := make(chan struct{})
	warm.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func(i int) {
			defer done.Done()
			warmUp(i)
			warm.Done()
			<-start
			work(i)
		}(i)
	}
	warm.Wait()
	return Measure(func() {
		close(start)
		done.Wait()
	})
}

// Median returns the sample with the middle wall time (the upper median for an even count).
func Median(samples []Sample) Sample {
	if len(samples) == 0 {
		panic("timing.Median of no samples")
	}
	sorted := append([]Sample(nil), samples...)
	sort.Slice(sorted, func(a, b int) bool { return sorted[a].Wall < sorted[b].Wall })
	return sorted[len(sorted)/2]
}

// MedianOf runs run runs times (at least once) and returns the median sample.
func MedianOf(runs int, run func() Sample) Sample {
	if runs < 1 {
		runs = 1
	}
	samples := make([]Sample, runs)
	for i := range samples {
		samples[i] = run()
	}
	return Median(samples)
}

// row is one measured case as the Rust side reads it (labkit::rows::Row): the
// series, its language, and the raw measurement; the Rust measure example places it in a table.
type row struct {
	Series  string `json:"series"`
	Lang    string `json:"lang"`
	Threads int    `json:"threads"`
	Ops     int64  `json:"ops"`
	WallNs  int64  `json:"wall_ns"`
	CPUNs   int64  `json:"cpu_ns"`
}

// rowLine is the JSON line of one measured case.
func rowLine(name string, threads int, ops int64, s Sample) string {
	line, err := json.Marshal(row{name, "go", threads, ops, s.Wall.Nanoseconds(), s.CPU.Nanoseconds()})
	if err != nil {
		panic(err) // a struct of strings and integers always marshals
	}
	return string(line)
}

// Row prints one measured case: ops operations on threads goroutines took s.
func Row(name string, threads int, ops int64, s Sample) {
	fmt.Println(rowLine(name, threads, ops, s))
}

// Progress writes a line of progress to standard error (standard output holds only rows).
func Progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// Spin is the workspace's CPU-bound job, labkit::spin: rounds steps of the
// SplitMix64 mixer from seed, each depending on the last, so none can be skipped. The constants
// are the Rust side's, so Go and Rust rows do identical work (unsigned arithmetic wraps in Go, as
// wrapping_* does in Rust).
func Spin(seed, rounds uint64) uint64 {
	x := seed
	for i := uint64(0); i < rounds; i++ {
		x += 0x9E3779B97F4A7C15
		x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
		x = (x ^ (x >> 27)) * 0x94D049BB133111EB
		x ^= x >> 31
	}
	return x
}

// Ints is a flag.Value holding comma-separated whole numbers, each at least Min, such as
// -threads 1,2,4: the lists the Rust measure examples pass.
type Ints struct {
	Values []int
	Min    int
}

// String is the list as it is written on the command line.
func (l *Ints) String() string {
	cells := make([]string, len(l.Values))
	for i, v := range l.Values {
		cells[i] = strconv.Itoa(v)
	}
	return strings.Join(cells, ",")
}

// Set replaces the list with the numbers in s.
func (l *Ints) Set(s string) error {
	var values []int
	for _, cell := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(cell))
		if err != nil || v < l.Min {
			return fmt.Errorf("%q is not a whole number ≥ %d", cell, l.Min)
		}
		values = append(values, v)
	}
	l.Values = values
	return nil
}
