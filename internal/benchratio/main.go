// Command benchratio reads `go test -bench` output on stdin and prints, per
// group of sub-benchmarks (per algorithm for BenchmarkPeers), the median
// ns/op, B/op and allocs/op of each implementation and its time as a
// multiple of the group's "floor", as Markdown tables.
//
//	for i in 1 2 3 4 5 6; do go test -run '^$' -bench . ; done | tee bench.txt
//	go run ./internal/benchratio < bench.txt   (from the repository root)
//
// With six separate runs, rather than one run with -count 6 (which repeats
// each sub-benchmark back to back), the i-th result of every implementation
// comes from the same run, and the ratio is the median of the runs' ratios
// (see ratioToFloor).
//
// With -rate, each table also gives the implementation's throughput as a
// share of the floor's (the median of floor[i]/ns[i]: for load benchmarks,
// whose floor is the bare server). With -par, each group whose
// implementation X has a sibling X-par (the same with b.RunParallel) also
// gets a table of X-par's throughput over X's, run by run (the median of
// X[i]/X-par[i]): how the path scales with the cores.
//
// With -cores BASE, the only table printed gives, for each implementation
// X with siblings X-par1 (b.RunParallel on one core, GOMAXPROCS 1) and
// X-par (on every core), X-par's throughput over X-par1's (the median of
// par1[i]/par[i]), and that ratio over BASE's (a "group/X", for example
// "context/floor"), run by run: how the path scales with the cores next to
// a baseline measured in the same runs. The one-core figure is a whole
// core's work, the collector's included, rather than one goroutine's with
// another core idle for the collector.
//
// A benchmark named BenchmarkPeers/RS256/tokengate-2 is the implementation
// "tokengate" in the group "RS256"; the -2 (GOMAXPROCS) is dropped. Lines
// that are not benchmark results are ignored. Groups and implementations
// keep the order in which they first appear.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	var opt options
	flag.BoolVar(&opt.rate, "rate", false, "also print throughput as a share of the floor's")
	flag.BoolVar(&opt.par, "par", false, "also print each X-par's throughput over X's")
	flag.StringVar(&opt.cores, "cores", "", "print only each X-par's throughput over X-par1's, next to this baseline's (group/X)")
	flag.Parse()
	groups, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
	if len(groups) == 0 {
		fmt.Fprintln(os.Stderr, "benchratio: no benchmark results on stdin")
		os.Exit(1)
	}
	if opt.cores != "" {
		if err := writeCores(os.Stdout, groups, opt.cores); err != nil {
			fmt.Fprintln(os.Stderr, "benchratio:", err)
			os.Exit(1)
		}
		return
	}
	write(os.Stdout, groups, opt)
}

// options are the optional columns and tables.
type options struct {
	rate, par bool
	cores     string // the baseline of -cores, "" without it
}

// group is one algorithm's results, implementations in order of appearance.
type group struct {
	name  string
	impls []*result
}

// result holds every run of one implementation.
type result struct {
	name              string
	ns, bytes, allocs []float64
}

// parse reads benchmark output and collects the runs of each sub-benchmark.
func parse(r io.Reader) ([]*group, error) {
	var groups []*group
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		g, impl, vals, ok := parseLine(sc.Text())
		if !ok {
			continue
		}
		gi := slices.IndexFunc(groups, func(x *group) bool { return x.name == g })
		if gi < 0 {
			groups = append(groups, &group{name: g})
			gi = len(groups) - 1
		}
		grp := groups[gi]
		ii := slices.IndexFunc(grp.impls, func(x *result) bool { return x.name == impl })
		if ii < 0 {
			grp.impls = append(grp.impls, &result{name: impl})
			ii = len(grp.impls) - 1
		}
		res := grp.impls[ii]
		if v, ok := vals["ns/op"]; ok {
			res.ns = append(res.ns, v)
		}
		if v, ok := vals["B/op"]; ok {
			res.bytes = append(res.bytes, v)
		}
		if v, ok := vals["allocs/op"]; ok {
			res.allocs = append(res.allocs, v)
		}
	}
	return groups, sc.Err()
}

// parseLine splits one result line such as
//
//	BenchmarkPeers/RS256/floor-2   36000   33012 ns/op   0 B/op   0 allocs/op
//
// into its group ("RS256"), implementation ("floor") and values by unit.
// A name without sub-benchmarks is its own group and implementation.
func parseLine(line string) (grp, impl string, vals map[string]float64, ok bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
		return "", "", nil, false
	}
	if _, err := strconv.ParseUint(f[1], 10, 64); err != nil { // the iteration count
		return "", "", nil, false
	}
	name := f[0]
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name = name[:i]
		}
	}
	parts := strings.Split(strings.TrimPrefix(name, "Benchmark"), "/")
	switch len(parts) {
	case 1:
		grp, impl = parts[0], parts[0]
	case 2:
		grp, impl = parts[0], parts[1]
	default: // Peers/RS256/floor: the top-level name is the same for all
		grp, impl = strings.Join(parts[1:len(parts)-1], "/"), parts[len(parts)-1]
	}
	vals = make(map[string]float64)
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return "", "", nil, false
		}
		vals[f[i+1]] = v
	}
	if _, ok := vals["ns/op"]; !ok {
		return "", "", nil, false
	}
	return grp, impl, vals, true
}

// median returns the middle value of xs (the mean of the two middle values
// when there is an even number), and 0 for none. xs is not modified.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// ratioToFloor is the median of the runs' ratios ns[i]/floor[i] when both
// have the same number of runs (the i-th of each then come from the i-th
// `go test` run, a few seconds apart, so a slow spell of the machine
// weighs on both), and else the ratio of the medians.
func ratioToFloor(ns, floor []float64) float64 {
	if len(ns) != len(floor) {
		return median(ns) / median(floor)
	}
	ratios := make([]float64, len(ns))
	for i := range ns {
		ratios[i] = ns[i] / floor[i]
	}
	return median(ratios)
}

// write prints one Markdown table per group, and with opt.par a second
// one for the group's parallel variants.
func write(w io.Writer, groups []*group, opt options) {
	for i, g := range groups {
		if i > 0 {
			fmt.Fprintln(w)
		}
		var floor *result
		for _, r := range g.impls {
			if r.name == "floor" {
				floor = r
			}
		}
		fmt.Fprintf(w, "### %s\n\n", g.name)
		rateHead, rateRule := "", ""
		if opt.rate {
			rateHead, rateRule = " rate ÷ floor's |", "--:|"
		}
		fmt.Fprintf(w, "| impl | ns/op | B/op | allocs/op | × floor |%s runs |\n", rateHead)
		fmt.Fprintf(w, "|---|--:|--:|--:|--:|%s--:|\n", rateRule)
		for _, r := range g.impls {
			ratio, rate := "–", "–"
			if floor != nil {
				ratio = formatRatio(ratioToFloor(r.ns, floor.ns))
				rate = formatRatio(ratioToFloor(floor.ns, r.ns))
			}
			if opt.rate {
				rate = " " + rate + " |"
			} else {
				rate = ""
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |%s %d |\n", r.name,
				formatNum(median(r.ns)), formatOpt(r.bytes), formatOpt(r.allocs), ratio, rate, len(r.ns))
		}
		if opt.par {
			writePar(w, g)
		}
	}
}

// writePar prints, for each X of g with an X-par, X-par's throughput over
// X's (nothing when g has no such pair).
func writePar(w io.Writer, g *group) {
	head := false
	for _, r := range g.impls {
		serial, ok := strings.CutSuffix(r.name, "-par")
		if !ok {
			continue
		}
		si := slices.IndexFunc(g.impls, func(x *result) bool { return x.name == serial })
		if si < 0 {
			continue
		}
		if !head {
			fmt.Fprintf(w, "\n| %s | parallel ÷ serial throughput | runs |\n|---|--:|--:|\n", g.name)
			head = true
		}
		fmt.Fprintf(w, "| %s | %s | %d |\n", serial, formatRatio(ratioToFloor(g.impls[si].ns, r.ns)), len(r.ns))
	}
}

// writeCores prints one table: for each implementation X of a group with
// X-par1 and X-par, X-par's throughput over X-par1's, and that ratio over
// the baseline's (named "group/X"), each the median of the runs' ratios.
func writeCores(w io.Writer, groups []*group, baseline string) error {
	// scaling is X-par1's times over X-par's, run by run; nil when g lacks
	// either or they differ in runs.
	scaling := func(g *group, x string) []float64 {
		var one, all *result
		for _, r := range g.impls {
			switch r.name {
			case x + "-par1":
				one = r
			case x + "-par":
				all = r
			}
		}
		if one == nil || all == nil || len(one.ns) != len(all.ns) {
			return nil
		}
		out := make([]float64, len(one.ns))
		for i := range one.ns {
			out[i] = one.ns[i] / all.ns[i]
		}
		return out
	}
	bgrp, bx, ok := strings.Cut(baseline, "/")
	if !ok {
		return fmt.Errorf("-cores %q: want group/impl", baseline)
	}
	var base []float64
	for _, g := range groups {
		if g.name == bgrp {
			base = scaling(g, bx)
		}
	}
	if base == nil {
		return fmt.Errorf("-cores %q: no runs of %s-par1 and %s-par, as many of each", baseline, bx, bx)
	}
	fmt.Fprintf(w, "| path | all cores ÷ one core | ÷ %s's | runs |\n|---|--:|--:|--:|\n", baseline)
	for _, g := range groups {
		for _, r := range g.impls {
			x, ok := strings.CutSuffix(r.name, "-par1")
			if !ok {
				continue
			}
			s := scaling(g, x)
			if s == nil || len(s) != len(base) {
				continue
			}
			rel := make([]float64, len(s))
			for i := range s {
				rel[i] = s[i] / base[i]
			}
			fmt.Fprintf(w, "| %s/%s | %s | %s | %d |\n", g.name, x, formatRatio(median(s)), formatRatio(median(rel)), len(s))
		}
	}
	return nil
}

// formatNum writes x with thousands separators, with one decimal below 100.
func formatNum(x float64) string {
	if x < 100 {
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	s := strconv.FormatFloat(x, 'f', 0, 64)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// formatOpt is the median of xs as a whole number, "–" when not reported
// (a run without -benchmem or ReportAllocs).
func formatOpt(xs []float64) string {
	if len(xs) == 0 {
		return "–"
	}
	return strconv.FormatFloat(median(xs), 'f', 0, 64)
}

// formatRatio keeps three significant figures for small ratios and one
// decimal for large ones: 0.00452×, 1.00×, 27.3×.
func formatRatio(r float64) string {
	switch {
	case r >= 10:
		return strconv.FormatFloat(r, 'f', 1, 64) + "×"
	case r >= 1:
		return strconv.FormatFloat(r, 'f', 2, 64) + "×"
	default:
		return strconv.FormatFloat(r, 'g', 3, 64) + "×"
	}
}
