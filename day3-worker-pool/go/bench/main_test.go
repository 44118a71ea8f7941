package main

import "testing"

// The Rust side's spin gives these values (day1_sync_atomic::measure::spin): the Go rows spin
// through exactly the same work.
func TestSpinMatchesTheRustSpin(t *testing.T) {
	for _, c := range []struct{ seed, rounds, want uint64 }{
		{7, 0, 7},
		{0, 1, 0xe220a8397b1dcdaf}, // SplitMix64's first output from seed 0
		{7, 3, 0x9c01479161bc5d78},
		{0, 1000, 0xa17ac4d60a6b3f89},
	} {
		if got := spin(c.seed, c.rounds); got != c.want {
			t.Errorf("spin(%d, %d) = %#x, want %#x", c.seed, c.rounds, got, c.want)
		}
	}
}

// Every job's answer comes back exactly once, whatever the pool size.
func TestRunPoolAnswersEveryJobOnce(t *testing.T) {
	for _, workers := range []int{1, 2, 8} {
		seen := make([]int, 1000)
		runPool(workers, len(seen), func(job int) int { return job }, func(job int) { seen[job]++ })
		for job, times := range seen {
			if times != 1 {
				t.Fatalf("%d workers: job %d answered %d times", workers, job, times)
			}
		}
	}
}
