// Command promrelabel runs Prometheus's own exposition parser (model/textparse) and relabelling
// (model/relabel) on what it reads as JSON from stdin, for integration/support/promRelabel.ts.
// It is built inside the Prometheus module, at the release the monitoring stack runs.
//
// Input, all keys optional: configs (relabel_configs in Prometheus's snake_case spelling),
// exposition and contentType (a scraped body and its Content-Type), series (label sets, the
// name under __name__). Output: {"series": [{"input": {name, labels}, "output": {name, labels}}]},
// one entry per series of the exposition, then one per given label set, in order; output is
// null when the relabelling drops the series.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v2"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/relabel"
	"github.com/prometheus/prometheus/model/textparse"
)

type request struct {
	Configs     json.RawMessage     `json:"configs"`
	Exposition  *string             `json:"exposition"`
	ContentType string              `json:"contentType"`
	Series      []map[string]string `json:"series"`
}

type series struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
}

type result struct {
	Input  series  `json:"input"`
	Output *series `json:"output"`
}

func toSeries(l labels.Labels) series {
	s := series{Labels: map[string]string{}}
	l.Range(func(x labels.Label) {
		if x.Name == model.MetricNameLabel {
			s.Name = x.Value
		} else {
			s.Labels[x.Name] = x.Value
		}
	})
	return s
}

// configs reads relabel_configs the way Prometheus loads its configuration file (strict YAML, of
// which JSON is a subset) and validates them with Prometheus 3's default name validation (UTF-8).
func configs(raw json.RawMessage) ([]*relabel.Config, error) {
	var cfgs []*relabel.Config
	if err := yaml.UnmarshalStrict(raw, &cfgs); err != nil {
		return nil, fmt.Errorf("relabel configs: %w", err)
	}
	for i, c := range cfgs {
		if err := c.Validate(model.UTF8Validation); err != nil {
			return nil, fmt.Errorf("relabel config %d: %w", i, err)
		}
	}
	return cfgs, nil
}

// parse reads the exposition as the scrape loop does: the parser chosen by the Content-Type with
// no fallback protocol, native histograms not scraped, every series and histogram entry kept.
func parse(body, contentType string) ([]labels.Labels, error) {
	p, err := textparse.New([]byte(body), contentType, labels.NewSymbolTable(), textparse.ParserOptions{IgnoreNativeHistograms: true})
	if p == nil {
		return nil, fmt.Errorf("no parser for Content-Type %q: %w", contentType, err)
	}
	var out []labels.Labels
	for {
		entry, err := p.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("parsing the exposition: %w", err)
		}
		if entry == textparse.EntrySeries || entry == textparse.EntryHistogram {
			var l labels.Labels
			p.Labels(&l)
			out = append(out, l)
		}
	}
}

func run() error {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		return fmt.Errorf("reading the request: %w", err)
	}
	cfgs, err := configs(req.Configs)
	if err != nil {
		return err
	}
	var inputs []labels.Labels
	if req.Exposition != nil {
		if inputs, err = parse(*req.Exposition, req.ContentType); err != nil {
			return err
		}
	}
	for _, m := range req.Series {
		inputs = append(inputs, labels.FromMap(m))
	}
	results := make([]result, 0, len(inputs))
	for _, in := range inputs {
		r := result{Input: toSeries(in)}
		if out, keep := relabel.Process(in, cfgs...); keep {
			s := toSeries(out)
			r.Output = &s
		}
		results = append(results, r)
	}
	return json.NewEncoder(os.Stdout).Encode(map[string][]result{"series": results})
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "promrelabel:", err)
		os.Exit(1)
	}
}
