// Command prom-text-parser reads a Prometheus text exposition on stdin, parses it with the Prometheus
// project's own parser (github.com/prometheus/common/expfmt, what the Prometheus server uses for this format)
// and prints the metric families as JSON on stdout. It exits 1 with the parser's message on invalid input.
// The e2e tests use it to check that /metrics is what a real Prometheus accepts. Floats are printed as strings
// ("NaN" and "+Inf" are valid sample values, which JSON numbers cannot carry).
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
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(os.Stdin)
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
