// Command prometheus-check checks Malted's Prometheus artefacts with the Prometheus project's own code:
//
//	prometheus-check exposition   reads a text exposition (GET /metrics) on stdin, parses it with
//	                              github.com/prometheus/common/expfmt and prints the metric families as JSON
//	prometheus-check rules FILE   loads a rules file as the Prometheus server does (model/rulefmt: YAML
//	                              fields, PromQL of every expression, templates) and prints the names of
//	                              the metrics the expressions select, one a line
//
// It exits 1 with the parser's messages on invalid input. In the JSON, floats are strings ("NaN" and "+Inf"
// are valid sample values, which JSON numbers cannot carry).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

type sample struct {
	Labels  map[string]string `json:"labels"`
	Value   *string           `json:"value,omitempty"`
	Count   *uint64           `json:"count,omitempty"`
	Sum     *string           `json:"sum,omitempty"`
	Buckets map[string]uint64 `json:"buckets,omitempty"`
}

func float(v float64) *string {
	text := strconv.FormatFloat(v, 'g', -1, 64)
	return &text
}

type family struct {
	Name    string   `json:"name"`
	Help    string   `json:"help"`
	Type    string   `json:"type"`
	Metrics []sample `json:"metrics"`
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "exposition" {
		exposition()
		return
	}
	if len(os.Args) == 3 && os.Args[1] == "rules" {
		rules(os.Args[2])
		return
	}
	fmt.Fprintln(os.Stderr, "usage: prometheus-check exposition < metrics.txt | prometheus-check rules FILE")
	os.Exit(64)
}

func rules(file string) {
	groups, errs := rulefmt.ParseFile(file, false)
	for _, err := range errs {
		fmt.Fprintln(os.Stderr, err)
	}
	if len(errs) > 0 {
		os.Exit(1)
	}
	names := map[string]bool{}
	for _, group := range groups.Groups {
		for _, rule := range group.Rules {
			expr, err := parser.ParseExpr(rule.Expr)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			for _, selectors := range parser.ExtractSelectors(expr) {
				for _, matcher := range selectors {
					if matcher.Name == labels.MetricName && matcher.Type == labels.MatchEqual {
						names[matcher.Value] = true
					}
				}
			}
		}
	}
	sorted := make([]string, 0, len(names))
	for name := range names {
		sorted = append(sorted, name)
	}
	sort.Strings(sorted)
	for _, name := range sorted {
		fmt.Println(name)
	}
}

func exposition() {
	textParser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := textParser.TextToMetricFamilies(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	names := make([]string, 0, len(families))
	for name := range families {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]family, 0, len(families))
	for _, name := range names {
		mf := families[name]
		f := family{Name: name, Help: mf.GetHelp(), Type: mf.GetType().String(), Metrics: []sample{}}
		for _, m := range mf.GetMetric() {
			s := sample{Labels: map[string]string{}}
			for _, pair := range m.GetLabel() {
				s.Labels[pair.GetName()] = pair.GetValue()
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				s.Value = float(m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				s.Value = float(m.GetGauge().GetValue())
			case dto.MetricType_UNTYPED:
				s.Value = float(m.GetUntyped().GetValue())
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				count := h.GetSampleCount()
				s.Count, s.Sum = &count, float(h.GetSampleSum())
				s.Buckets = map[string]uint64{}
				for _, b := range h.GetBucket() {
					s.Buckets[*float(b.GetUpperBound())] = b.GetCumulativeCount()
				}
			case dto.MetricType_SUMMARY:
				count := m.GetSummary().GetSampleCount()
				s.Count, s.Sum = &count, float(m.GetSummary().GetSampleSum())
			}
			f.Metrics = append(f.Metrics, s)
		}
		out = append(out, f)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
