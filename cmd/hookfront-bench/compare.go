package main

import (
	"fmt"
	"time"
)

// withCompared starts the -compare binary with the same config (tracing off) and puts a row for
// it after each row of the first binary's own process, so that both builds are measured in the
// same interleaved rounds: on a shared machine that is the only fair before/after.
func withCompared(targets []target, hf *process, bin, cfg string) ([]target, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cp, err := startProcess(bin, port, "serve", "--config", cfg, "--listen", port, "--log-level", "warn", "--admin", "off")
	if err != nil {
		return nil, fmt.Errorf("starting the compared binary: %w", err)
	}
	if _, err := firstResponse("http://"+cp.addr+"/hit/cached", time.Now()); err != nil {
		cp.stop()
		return nil, err
	}
	var out []target
	index := map[int]int{} // a row's index before → after the compared rows are put in
	for i, t := range targets {
		index[i] = len(out)
		out = append(out, t)
		if t.proc == hf {
			out = append(out, target{name: "  [compare] " + t.name, proc: cp, path: t.path, compared: true})
		}
	}
	for i := range out {
		if out[i].vs > 0 {
			out[i].vs = index[out[i].vs]
		}
	}
	return out, nil
}
