// Command server is the word counter behind HTTP as a course learner writes it with Go's net/http:
// the Go side of the comparison in journal/day5-wordcount.md (wrk against both servers, same
// bodies, same concurrency). Go 1.19, the standard library only.
//
//	go run ./server -addr 127.0.0.1:7979        (in day5-wordcount/go)
//	curl --data-binary @book.txt 'http://127.0.0.1:7979/count?top=10'
//
// POST /count reads the body with bufio.Scanner + bufio.ScanWords, lower-cases each word with
// strings.ToLower into a map, and answers {"top": [[word, count], ...], "words": n} as JSON: the
// top N by count, then by word. net/http runs each request on its own goroutine; a request's
// context ends when the client goes away, which the handler checks between words.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

func count(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST a text body", http.StatusMethodNotAllowed)
		return
	}
	top := 10
	if s := r.URL.Query().Get("top"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			http.Error(w, "top: expected a whole number", http.StatusBadRequest)
			return
		}
		top = n
	}
	body := http.MaxBytesReader(w, r.Body, 256<<20)
	counts := make(map[string]int)
	words := 0
	scanner := bufio.NewScanner(body)
	scanner.Buffer(make([]byte, 64*1024), 1<<20)
	scanner.Split(bufio.ScanWords)
	for scanner.Scan() {
		counts[strings.ToLower(scanner.Text())]++
		words++
		if words%4096 == 0 && r.Context().Err() != nil {
			return // the client went away
		}
	}
	if err := scanner.Err(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	type entry struct {
		word string
		n    int
	}
	entries := make([]entry, 0, len(counts))
	for word, n := range counts {
		entries = append(entries, entry{word, n})
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].n != entries[j].n {
			return entries[i].n > entries[j].n
		}
		return entries[i].word < entries[j].word
	})
	if len(entries) > top {
		entries = entries[:top]
	}
	reply := struct {
		Top   [][2]interface{} `json:"top"`
		Words int              `json:"words"`
	}{Top: [][2]interface{}{}, Words: words}
	for _, e := range entries {
		reply.Top = append(reply.Top, [2]interface{}{e.word, e.n})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(reply)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:7979", "address to listen on")
	flag.Parse()
	http.HandleFunc("/count", count)
	log.Printf("listening on http://%s", *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}
