// Command wc is the week's Friday capstone written in Go, as the course has a learner write it: a
// concurrent word counter. The Rust crate around this folder, day5-wordcount, is the same program
// grown into a tool, and on the same files both print the same lines:
//
//	go run ./wc -top 10 FILE...                     (in day5-wordcount/go)
//	cargo run -q -p day5-wordcount -- --top 10 FILE...
//
// A pool of -jobs goroutines (runtime.NumCPU() by default) takes file names from a channel; each
// file is counted into a map of its own, and that map is sent on the results channel; main merges
// the maps and prints the -top most frequent words, one `word count` per line, by count and then
// by word. With no FILE, or "-", standard input is read.
//
// A word is what strings.Fields splits off (a run of characters that are not unicode.IsSpace),
// lower-cased with strings.ToLower; bufio.ScanWords applies the same rule while streaming. An
// invalid UTF-8 byte stays in its word and becomes U+FFFD when the word is lower-cased.
//
// bufio.Scanner stops a file at a word longer than its buffer (bufio.ErrTooLong). Here a word
// longer than -max-word bytes is skipped instead and the rest of the file is counted, as
// day5-wordcount's --max-word does (see splitter).
//
// Exit status, as day5-wordcount's: 0 every file counted; 1 some file could not be read, or held a
// word longer than -max-word; 2 usage error; 3 partial result (-timeout passed, or Ctrl-C).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// job is one file to count; index is its place on the command line.
type job struct {
	index int
	name  string
}

// result is what a worker sends back for one file: its own map, and how reading it ended.
type result struct {
	job
	counts   map[string]int
	err      error // nil: read to the end; ctx.Err(): stopped by the deadline or Ctrl-C
	overlong int   // words longer than -max-word, skipped
}

func main() {
	os.Exit(run())
}

// run is the whole program; it returns the exit status, so that main's os.Exit runs after every
// deferred call here.
func run() int {
	top := flag.Int("top", 10, "how many of the most frequent words to print")
	jobs := flag.Int("jobs", runtime.NumCPU(), "worker goroutines")
	timeout := flag.Duration("timeout", 0, "stop after this long and print a partial result (0: no limit)")
	maxWord := flag.Int("max-word", 1<<20, "skip and report any word longer than this many bytes")
	flag.Parse()
	if *top < 0 || *jobs < 1 || *maxWord < 1 {
		fmt.Fprintln(os.Stderr, "wc: -top must be at least 0, -jobs and -max-word at least 1")
		return 2
	}
	files := flag.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}

	// Ctrl-C cancels the context, and so does the deadline: the workers stop reading, and what
	// they counted so far is still merged and printed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}

	// The pool: every file name queued up front, -jobs workers draining the queue.
	queue := make(chan job, len(files))
	for i, name := range files {
		queue <- job{i, name}
	}
	close(queue)
	results := make(chan result)
	var wg sync.WaitGroup
	for w := 0; w < *jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				results <- countFile(ctx, j, *maxWord)
			}
		}()
	}
	// Close results once every worker is done, so that the merge loop below ends.
	go func() {
		wg.Wait()
		close(results)
	}()

	// Merge in main, map by map, as they arrive.
	total := map[string]int{}
	done := make([]result, len(files))
	for r := range results {
		for word, n := range r.counts {
			total[word] += n
		}
		r.counts = nil // merged: the garbage collector may have it
		done[r.index] = r
	}

	status := 0
	var partial []string
	for _, r := range done {
		switch {
		case errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded):
			partial = append(partial, display(r.name))
		case r.err != nil:
			fmt.Fprintf(os.Stderr, "wc: %s: %v\n", display(r.name), reason(r.err))
			status = 1
		}
		if r.overlong > 0 {
			fmt.Fprintf(os.Stderr, "wc: %s: skipped %d word(s) longer than -max-word (%d bytes); the rest was counted\n",
				display(r.name), r.overlong, *maxWord)
			status = 1
		}
	}
	if len(partial) > 0 {
		fmt.Fprintf(os.Stderr, "wc: PARTIAL RESULT: %v; not counted in full: %s\n",
			ctx.Err(), strings.Join(partial, ", "))
		status = 3
	}

	out := bufio.NewWriter(os.Stdout)
	for _, e := range topN(total, *top) {
		fmt.Fprintf(out, "%s %d\n", e.word, e.count)
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(os.Stderr, "wc: standard output: %v\n", err)
		if status == 0 {
			status = 1
		}
	}
	return status
}

// countFile counts the words of one file into a new map. It stops early, keeping what it
// counted, when ctx is done or a read fails.
func countFile(ctx context.Context, j job, maxWord int) result {
	r := result{job: j, counts: map[string]int{}}
	if err := ctx.Err(); err != nil {
		r.err = err
		return r
	}
	var in io.Reader = os.Stdin
	if j.name != "-" {
		f, err := os.Open(j.name)
		if err != nil {
			r.err = err
			return r
		}
		defer f.Close()
		in = f
	}
	words := &splitter{maxWord: maxWord}
	sc := bufio.NewScanner(ctxReader{ctx, in})
	// Room for the longest word kept, plus the white space that ends it.
	sc.Buffer(make([]byte, 64*1024), maxWord+utf8.UTFMax)
	sc.Split(words.split)
	for sc.Scan() {
		r.counts[strings.ToLower(sc.Text())]++
	}
	r.err = sc.Err()
	r.overlong = words.overlong
	return r
}

// ctxReader fails every read once ctx is done: the scanner then stops with ctx.Err(). (A read
// already waiting, on a terminal say, still waits for its data.)
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// splitter is bufio.ScanWords, except that a word longer than maxWord bytes is skipped (and
// counted in overlong) instead of growing the scanner's buffer until bufio.ErrTooLong.
type splitter struct {
	maxWord  int
	skipping bool // inside a word that is too long: drop bytes up to the next white space
	overlong int
}

// split is the scanner's bufio.SplitFunc. It returns the next word short enough to count, so it
// looks past any too-long word itself: at the end of the input the scanner stops at the first
// call that returns no word, whatever is left.
func (s *splitter) split(data []byte, atEOF bool) (int, []byte, error) {
	start := 0
	for {
		if s.skipping {
			start += s.skip(data[start:], atEOF)
			if s.skipping {
				return start, nil, nil // the word goes on past data
			}
		}
		advance, token, err := bufio.ScanWords(data[start:], atEOF)
		switch {
		case token != nil && len(token) > s.maxWord:
			s.overlong++
			start += advance
		case token == nil && len(data)-start-advance > s.maxWord+2:
			// The word in progress is too long even if its last two bytes turn out to begin the
			// white space after it (the longest white space is three bytes).
			s.overlong++
			s.skipping = true
			start += advance
		default:
			return start + advance, token, err
		}
	}
}

// skip drops the bytes of a too-long word up to and including the white space that ends it.
func (s *splitter) skip(data []byte, atEOF bool) int {
	for i := 0; i < len(data); {
		if !atEOF && !utf8.FullRune(data[i:]) {
			return i // a character cut short: decide when the rest has been read
		}
		r, width := utf8.DecodeRune(data[i:])
		i += width
		if unicode.IsSpace(r) {
			s.skipping = false
			return i
		}
	}
	return len(data)
}

type entry struct {
	word  string
	count int
}

// topN returns the n most frequent words, by count (highest first) and then by word.
func topN(counts map[string]int, n int) []entry {
	all := make([]entry, 0, len(counts))
	for word, count := range counts {
		all = append(all, entry{word, count})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].count != all[j].count {
			return all[i].count > all[j].count
		}
		return all[i].word < all[j].word
	})
	if len(all) > n {
		all = all[:n]
	}
	return all
}

// display names an input in a message: quoted, so that odd names stay on one line.
func display(name string) string {
	if name == "-" {
		return "standard input"
	}
	return fmt.Sprintf("%q", name)
}

// reason is an error without the operation and path that os.Open puts around it.
func reason(err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err
	}
	return err
}
