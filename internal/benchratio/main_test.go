package main

import (
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		want float64
	}{
		{"none", nil, 0},
		{"one", []float64{7}, 7},
		{"odd, unsorted", []float64{9, 1, 5}, 5},
		{"even: mean of the middle two", []float64{4, 1, 3, 2}, 2.5},
		{"an outlier does not move it", []float64{100, 101, 99, 5000, 100, 102}, 100.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.xs)
			if got := median(tt.xs); got != tt.want {
				t.Errorf("median(%v) = %v, want %v", tt.xs, got, tt.want)
			}
			if !slices.Equal(in, tt.xs) {
				t.Errorf("median reordered its input: %v, want %v", tt.xs, in)
			}
		})
	}
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		line       string
		grp, impl  string
		vals       map[string]float64
		wantResult bool
	}{
		{
			line: "BenchmarkPeers/RS256/floor-2   \t   36000\t     33012 ns/op\t       0 B/op\t       0 allocs/op",
			grp:  "RS256", impl: "floor",
			vals:       map[string]float64{"ns/op": 33012, "B/op": 0, "allocs/op": 0},
			wantResult: true,
		},
		{ // GOMAXPROCS=1 has no suffix; a hyphen inside a name stays
			line: "BenchmarkPeers/ES256/go-jwt 1000 75001.5 ns/op 4512 B/op 61 allocs/op",
			grp:  "ES256", impl: "go-jwt",
			vals:       map[string]float64{"ns/op": 75001.5, "B/op": 4512, "allocs/op": 61},
			wantResult: true,
		},
		{ // without -benchmem; extra metrics are kept
			line: "BenchmarkPeers/HS256/nethttp-8 5000000 212 ns/op 3.30 MB/s",
			grp:  "HS256", impl: "nethttp",
			vals:       map[string]float64{"ns/op": 212, "MB/s": 3.30},
			wantResult: true,
		},
		{
			line: "BenchmarkSolo-2 100 5 ns/op",
			grp:  "Solo", impl: "Solo",
			vals:       map[string]float64{"ns/op": 5},
			wantResult: true,
		},
		{line: "goos: linux"},
		{line: "BenchmarkPeers/RS256/floor"}, // the name alone, as -v prints it
		{line: "BenchmarkPeers/RS256/floor-2 --- FAIL: BenchmarkPeers/RS256/floor-2"},
		{line: "PASS"},
		{line: "ok  \tgithub.com/tokengate/tokengate/benchmarks\t180.1s"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			grp, impl, vals, ok := parseLine(tt.line)
			if ok != tt.wantResult {
				t.Fatalf("ok = %v, want %v", ok, tt.wantResult)
			}
			if grp != tt.grp || impl != tt.impl || !maps.Equal(vals, tt.vals) {
				t.Errorf("got %q %q %v, want %q %q %v", grp, impl, vals, tt.grp, tt.impl, tt.vals)
			}
		})
	}
}

func TestParseAndWrite(t *testing.T) {
	in := `goos: linux
goarch: amd64
pkg: github.com/tokengate/tokengate/benchmarks
BenchmarkPeers/HS256/floor-2     	 1000000	      1000 ns/op	     200 B/op	       3 allocs/op
BenchmarkPeers/HS256/tokengate-2 	  100000	      5000 ns/op	    2000 B/op	      20 allocs/op
BenchmarkPeers/ES256/floor-2     	   10000	     75000 ns/op	     900 B/op	      15 allocs/op
BenchmarkPeers/HS256/floor-2     	 1000000	      1200 ns/op	     200 B/op	       3 allocs/op
BenchmarkPeers/HS256/tokengate-2 	  100000	      7000 ns/op	    2000 B/op	      20 allocs/op
BenchmarkPeers/HS256/floor-2     	 1000000	      1100 ns/op	     200 B/op	       3 allocs/op
BenchmarkPeers/HS256/tokengate-2 	  100000	      6000 ns/op	    2000 B/op	      20 allocs/op
BenchmarkPeers/HS256/nethttp-2   	10000000	       150 ns/op	       0 B/op	       0 allocs/op
PASS
ok  	github.com/tokengate/tokengate/benchmarks	12.3s
`
	groups, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	write(&b, groups, options{})
	want := `### HS256

| impl | ns/op | B/op | allocs/op | × floor | runs |
|---|--:|--:|--:|--:|--:|
| floor | 1,100 | 200 | 3 | 1.00× | 3 |
| tokengate | 6,000 | 2000 | 20 | 5.45× | 3 |
| nethttp | 150 | 0 | 0 | 0.136× | 1 |

### ES256

| impl | ns/op | B/op | allocs/op | × floor | runs |
|---|--:|--:|--:|--:|--:|
| floor | 75,000 | 900 | 15 | 1.00× | 1 |
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestRatioPairsRuns: with as many runs of an implementation as of the
// floor, the ratio is the median of the runs' ratios, so a slow spell that
// slows the floor and the implementation of one run alike changes nothing.
func TestRatioPairsRuns(t *testing.T) {
	tests := []struct {
		name      string
		ns, floor []float64
		want      float64
	}{
		{"paired", []float64{2000, 2000, 6000}, []float64{1000, 2000, 3000}, 2},
		{"unpaired: ratio of medians", []float64{2000, 4000}, []float64{1000, 2000, 3000}, 1.5},
		{"one slow run", []float64{1100, 1100, 5500, 1100}, []float64{1000, 1000, 5000, 1000}, 1.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ratioToFloor(tt.ns, tt.floor); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRateAndPar: -rate adds each implementation's throughput as a share
// of the floor's, and -par each X-par's throughput over X's, both run by
// run.
func TestRateAndPar(t *testing.T) {
	in := `BenchmarkLoad/floor-2   	 1000	  100 ns/op
BenchmarkLoad/slow-2    	 1000	  200 ns/op
BenchmarkLoad/slow-par-2	 1000	  100 ns/op
BenchmarkLoad/floor-2   	 1000	  300 ns/op
BenchmarkLoad/slow-2    	 1000	  400 ns/op
BenchmarkLoad/slow-par-2	 1000	  300 ns/op
BenchmarkLoad/lone-par-2	 1000	  300 ns/op
`
	groups, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	write(&b, groups, options{rate: true, par: true})
	want := `### Load

| impl | ns/op | B/op | allocs/op | × floor | rate ÷ floor's | runs |
|---|--:|--:|--:|--:|--:|--:|
| floor | 200 | – | – | 1.00× | 1.00× | 2 |
| slow | 300 | – | – | 1.67× | 0.625× | 2 |
| slow-par | 200 | – | – | 1.00× | 1.00× | 2 |
| lone-par | 300 | – | – | 1.50× | 0.667× | 1 |

| Load | parallel ÷ serial throughput | runs |
|---|--:|--:|
| slow | 1.67× | 2 |
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestCores: with -cores, each X with X-par1 and X-par gets X-par's
// throughput over X-par1's and that over the baseline's, run by run; an X
// without both is left out, and a baseline without both is an error.
func TestCores(t *testing.T) {
	in := `BenchmarkSpeed/context/floor-2      	 1000	  90 ns/op
BenchmarkSpeed/context/floor-par1-2 	 1000	  100 ns/op
BenchmarkSpeed/context/floor-par-2  	 1000	  80 ns/op
BenchmarkSpeed/RS256/cached-par1-2  	 1000	  400 ns/op
BenchmarkSpeed/RS256/cached-par-2   	 1000	  200 ns/op
BenchmarkSpeed/RS256/lone-par1-2    	 1000	  400 ns/op
BenchmarkSpeed/context/floor-2      	 1000	  90 ns/op
BenchmarkSpeed/context/floor-par1-2 	 1000	  100 ns/op
BenchmarkSpeed/context/floor-par-2  	 1000	  50 ns/op
BenchmarkSpeed/RS256/cached-par1-2  	 1000	  300 ns/op
BenchmarkSpeed/RS256/cached-par-2   	 1000	  200 ns/op
BenchmarkSpeed/RS256/lone-par1-2    	 1000	  300 ns/op
`
	groups, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := writeCores(&b, groups, "context/floor"); err != nil {
		t.Fatal(err)
	}
	// context: 1.25 and 2.00, median 1.625 (printed 1.62×, half to even);
	// cached: 2.00 and 1.50, median 1.75; relative: 2.00/1.25 = 1.6 and
	// 1.50/2.00 = 0.75, median 1.175.
	want := `| path | all cores ÷ one core | ÷ context/floor's | runs |
|---|--:|--:|--:|
| context/floor | 1.62× | 1.00× | 2 |
| RS256/cached | 1.75× | 1.18× | 2 |
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	for _, base := range []string{"context/missing", "nogroup", "RS256/lone"} {
		t.Run(base, func(t *testing.T) {
			if err := writeCores(io.Discard, groups, base); err == nil {
				t.Errorf("-cores %q: no error", base)
			}
		})
	}
}
