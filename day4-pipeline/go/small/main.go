// The small version of Thursday's pipeline: generate → three squaring workers reading one channel
// (fan-out) → merge, one channel again (fan-in, a WaitGroup closes it) → a sink that sums. Its Rust
// twin is main.rs in this folder (cargo run -q -p day4-pipeline --example day4-small); both print
// exactly the same line.
package main

import (
	"fmt"
	"sync"
)

// gen sends 1, 2, …, n, then closes its channel.
func gen(n int) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for i := 1; i <= n; i++ {
			out <- i
		}
	}()
	return out
}

// sq squares every number it receives until in is closed, then closes its own channel.
func sq(in <-chan int) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for n := range in {
			out <- n * n
		}
	}()
	return out
}

// merge copies every channel into one; the WaitGroup closes it after the last copier is done.
func merge(cs ...<-chan int) <-chan int {
	var wg sync.WaitGroup
	out := make(chan int)
	wg.Add(len(cs))
	for _, c := range cs {
		go func(c <-chan int) {
			defer wg.Done()
			for n := range c {
				out <- n
			}
		}(c)
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

func main() {
	in := gen(100)
	// Three workers read the same channel: each number reaches exactly one of them.
	sum := 0
	for n := range merge(sq(in), sq(in), sq(in)) {
		sum += n
	}
	fmt.Println("sum of the squares of 1 to 100:", sum)
}
