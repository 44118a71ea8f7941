package timing

import (
	"encoding/json"
	"flag"
	"testing"
	"time"
)

// The Rust side's spin gives these values (labkit::spin): the Go rows spin
// through exactly the same work.
func TestSpinMatchesTheRustSpin(t *testing.T) {
	for _, c := range []struct{ seed, rounds, want uint64 }{
		{7, 0, 7},
		{0, 1, 0xe220a8397b1dcdaf}, // SplitMix64's first output from seed 0
		{7, 3, 0x9c01479161bc5d78},
		{0, 1000, 0xa17ac4d60a6b3f89},
	} {
		if got := Spin(c.seed, c.rounds); got != c.want {
			t.Errorf("Spin(%d, %d) = %#x, want %#x", c.seed, c.rounds, got, c.want)
		}
	}
}

func TestIntsTakesAListAndRefusesWhatIsBelowMin(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	sizes := Ints{Values: []int{1, 2}, Min: 1}
	fs.Var(&sizes, "sizes", "")
	if err := fs.Parse([]string{"-sizes", "4, 8,16"}); err != nil {
		t.Fatal(err)
	}
	if sizes.String() != "4,8,16" {
		t.Errorf("got %v", sizes.Values)
	}
	for _, bad := range []string{"0", "1,x", ""} {
		if err := sizes.Set(bad); err == nil {
			t.Errorf("-sizes %q was accepted", bad)
		}
	}
	capacities := Ints{Min: 0}
	if err := capacities.Set("0,64"); err != nil || capacities.String() != "0,64" {
		t.Errorf("capacities: %v %v", err, capacities.Values)
	}
}

func TestMedianIsTheMiddleWallTime(t *testing.T) {
	at := func(ms int) Sample { return Sample{Wall: time.Duration(ms)} }
	if got := Median([]Sample{at(5), at(1), at(3)}); got.Wall != time.Duration(3) {
		t.Errorf("median %v", got.Wall)
	}
}

// A row is one JSON object with the Rust row's field names (labkit::rows::Row).
func TestRowIsOneJSONObjectInTheRustSchema(t *testing.T) {
	line := rowLine("fan-out: <-ctx.Done()", 2, 10, Sample{Wall: 500, CPU: 750})
	var got map[string]any
	if err := json.Unmarshal([]byte(line), &got); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	want := map[string]any{"series": "fan-out: <-ctx.Done()", "lang": "go", "threads": 2.0,
		"ops": 10.0, "wall_ns": 500.0, "cpu_ns": 750.0}
	if len(got) != len(want) {
		t.Errorf("%q: fields %v", line, got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%q: %s = %v, want %v", line, k, got[k], v)
		}
	}
}
