// The worker pool in its plainest form (Go by Example's "Worker Pools" with the course's
// WaitGroup): 4 workers take the numbers 1..100 from one shared jobs channel and send each square
// on a results channel; a WaitGroup closes results once the last worker is done. Answers arrive in
// any order, so the program prints only what does not depend on it. Its Rust twin is main.rs
// beside this file (`cargo run -q -p day3-worker-pool --example day3-small` prints the same).
package main

import (
	"fmt"
	"sync"
)

type result struct{ n, square int }

func main() {
	const numJobs, numWorkers = 100, 4
	jobs := make(chan int, numJobs)
	results := make(chan result, numJobs)

	var wg sync.WaitGroup
	for w := 0; w < numWorkers; w++ {
		wg.Add(1)
		go func() { // a worker
			defer wg.Done()
			for n := range jobs { // ends once jobs is closed and drained
				results <- result{n, n * n}
			}
		}()
	}
	for n := 1; n <= numJobs; n++ {
		jobs <- n
	}
	close(jobs) // no more jobs

	go func() {
		wg.Wait()      // every worker has returned,
		close(results) // so the range below ends after the last result
	}()

	squares := make([]int, numJobs+1) // indexed by job: back in job order
	sum := 0
	for r := range results {
		squares[r.n] = r.square
		sum += r.square
	}
	fmt.Printf("squares in job order: %d %d %d … %d\n", squares[1], squares[2], squares[3], squares[numJobs])
	fmt.Printf("%d workers squared %d numbers; the squares add up to %d\n", numWorkers, numJobs, sum)
}
