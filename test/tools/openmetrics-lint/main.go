// openmetrics-lint parses an exposition from stdin with the parser Prometheus itself uses when it
// scrapes (model/textparse), and prints a JSON summary: series, exemplars, or the first error.
// The app's tests use it so "/metrics parses" means "Prometheus can scrape it". The format is
// OpenMetrics, or with -format=text the Prometheus text format 0.0.4 that text-only scrapers read.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/prometheus/prometheus/model/exemplar"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/textparse"
)

type exemplarOut struct {
	Series string            `json:"series"`
	Labels map[string]string `json:"labels"`
	Value  float64           `json:"value"`
}

type summary struct {
	Samples   int           `json:"samples"`
	Metrics   []string      `json:"metrics"`
	Exemplars []exemplarOut `json:"exemplars"`
	Error     string        `json:"error,omitempty"`
}

func main() {
	format := flag.String("format", "openmetrics", "openmetrics or text")
	flag.Parse()
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	out := summary{Metrics: []string{}, Exemplars: []exemplarOut{}}
	st := labels.NewSymbolTable()
	var p textparse.Parser
	switch *format {
	case "openmetrics":
		p = textparse.NewOpenMetricsParser(input, st)
	case "text":
		p = textparse.NewPromParser(input, st, false)
	default:
		fail(fmt.Errorf("unknown -format %q", *format))
	}
	var lset labels.Labels
	for {
		entry, err := p.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			out.Error = err.Error()
			emit(out, 1)
		}
		switch entry {
		case textparse.EntryType:
			name, _ := p.Type()
			out.Metrics = append(out.Metrics, string(name))
		case textparse.EntrySeries:
			out.Samples++
			p.Labels(&lset)
			var ex exemplar.Exemplar
			for p.Exemplar(&ex) {
				out.Exemplars = append(out.Exemplars, exemplarOut{Series: lset.String(), Labels: ex.Labels.Map(), Value: ex.Value})
				ex = exemplar.Exemplar{}
			}
		}
	}
	emit(out, 0)
}

func emit(out summary, code int) {
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
	os.Exit(code)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "openmetrics-lint:", err)
	os.Exit(2)
}
