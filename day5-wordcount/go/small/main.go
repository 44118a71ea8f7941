// The word counter in its plainest form: three "files" (here strings) counted at once, one
// goroutine and one map each; the maps are sent on a channel and merged in main, and the top 3
// printed, by count and then by word. Its Rust twin is main.rs next to this file
// (cargo run -q -p day5-wordcount --example day5-small); the full program is ../wc.
package main

import (
	"fmt"
	"sort"
	"strings"
)

func main() {
	files := []string{
		"the cat sat on the mat",
		"The dog sat on the log",
		"the end",
	}
	results := make(chan map[string]int)
	for _, text := range files {
		go func(text string) {
			counts := map[string]int{}
			for _, word := range strings.Fields(text) {
				counts[strings.ToLower(word)]++
			}
			results <- counts
		}(text)
	}

	total := map[string]int{}
	for range files {
		for word, n := range <-results {
			total[word] += n
		}
	}

	words := make([]string, 0, len(total))
	for word := range total {
		words = append(words, word)
	}
	sort.Slice(words, func(i, j int) bool {
		if total[words[i]] != total[words[j]] {
			return total[words[i]] > total[words[j]]
		}
		return words[i] < words[j]
	})
	for _, word := range words[:3] {
		fmt.Println(word, total[word])
	}
}
