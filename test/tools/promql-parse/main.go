// promql-parse reads PromQL expressions, one JSON string per line on stdin, and parses each with
// Prometheus' own parser (the one the server runs). It prints "ok" or "error: <message>" per line and
// exits 1 when any expression does not parse. Used by test/integration/dashboards.test.ts.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/prometheus/prometheus/promql/parser"
)

func main() {
	// The server's defaults: no experimental functions or modifiers (none are enabled in compose).
	p := parser.NewParser(parser.Options{})
	failed := false
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		var expr string
		if err := json.Unmarshal(scanner.Bytes(), &expr); err != nil {
			fmt.Printf("error: input is not a JSON string: %v\n", err)
			failed = true
			continue
		}
		if _, err := p.ParseExpr(expr); err != nil {
			fmt.Printf("error: %v\n", err)
			failed = true
			continue
		}
		fmt.Println("ok")
	}
	if failed {
		os.Exit(1)
	}
}
