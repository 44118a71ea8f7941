package main

import "testing"

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
