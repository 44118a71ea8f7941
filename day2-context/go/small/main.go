// The small version of Tuesday: a worker stopped by cancel(), and a slow job cut short by a
// timeout. The Rust twin is main.rs beside this file
// (cargo run -q -p day2-context --example day2-small); both print the same lines.
package main

import (
	"context"
	"fmt"
	"time"
)

// worker adds up the squares of its jobs until ctx is done, then reports what it did.
func worker(ctx context.Context, jobs <-chan int, report chan<- string) {
	sum, n := 0, 0
	for {
		select {
		case <-ctx.Done():
			report <- fmt.Sprintf("worker stopped after %d jobs (sum of squares %d): %v", n, sum, ctx.Err())
			return
		case job := <-jobs:
			sum += job * job
			n++
		}
	}
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	jobs := make(chan int) // unbuffered: each send waits until the worker has taken the job
	report := make(chan string)
	go worker(ctx, jobs, report)
	for job := 1; job <= 10; job++ {
		jobs <- job
	}
	cancel() // no more jobs come, so the worker's select can only see ctx.Done()
	fmt.Println(<-report)

	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	select {
	case <-time.After(time.Second): // a slow job
		fmt.Println("slow job finished")
	case <-ctx.Done():
		fmt.Println("slow job abandoned:", ctx.Err())
	}
}
